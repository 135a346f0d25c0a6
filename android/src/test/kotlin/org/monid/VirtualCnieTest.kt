package org.monid

import java.io.File
import java.util.Collections
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import uniffi.monid.AccessKey
import uniffi.monid.AccessProtocol
import uniffi.monid.ChipGenuine
import uniffi.monid.CheckOutcome
import uniffi.monid.DocumentFile
import uniffi.monid.DocumentReader
import uniffi.monid.ImageFormat
import uniffi.monid.MonidException
import uniffi.monid.PaVerdict
import uniffi.monid.ReadProgress
import uniffi.monid.ReadProgressListener
import uniffi.monid.ReadStep
import uniffi.monid.TransportException
import uniffi.monid.TrustStore
import uniffi.monid.Verification
import uniffi.monid.VirtualCard
import uniffi.monid.defaultReadOptions
import uniffi.monid.virtualCardTrustAnchorsPem

/** The scenarios, on the JVM through JNA, against the virtual CNIE. */
class VirtualCnieTest {
    // Within the validity of the test PKI (see test-vectors/pki/SOURCE.md).
    private val now = 1_764_000_000L // 2025-11-24

    private fun trust(): TrustStore = TrustStore().also {
        val r = it.addPemBundle(virtualCardTrustAnchorsPem())
        assertEquals(3u, r.added)
    }

    private inline fun <reified T : Throwable> assertThrows(block: () -> Unit): T {
        try {
            block()
        } catch (e: Throwable) {
            if (e is T) return e
            throw AssertionError("expected ${T::class.simpleName}, got $e", e)
        }
        fail("expected ${T::class.simpleName}, nothing thrown")
        throw IllegalStateException()
    }

    @Test
    fun fullReadOfTheVirtualCnieThroughAKotlinTransport() = runBlocking {
        val card = VirtualCard.cnie()
        val transport = ForwardingTransport(card)
        val reader = MonidReader(AccessKey.can(card.can()))
        val seen = Collections.synchronizedList(mutableListOf<ReadProgress>())
        val collector = launch { reader.progress.collect { seen.add(it) } }
        val doc = reader.read(transport)
        collector.cancel()

        val s = doc.summary()
        assertEquals("UTO", s.issuingState?.value())
        assertNotNull(s.surname?.value())
        assertEquals(DocumentFile.DG1, s.surname?.file())
        assertEquals(Verification.NOT_CHECKED, s.surname?.verification())
        val link = doc.link()
        assertEquals(AccessProtocol.PACE, link.protocol)
        assertTrue(link.paceProtocol!!.startsWith("id-PACE-ECDH-GM"))
        val stats = doc.stats()
        assertEquals(transport.apdus.toULong(), stats.apdus)
        assertEquals(1u, stats.calls)
        assertTrue(doc.files().any { it.file == DocumentFile.DG2 && it.length!! > 32_000u })
        assertTrue(doc.problems().isEmpty())
        assertTrue(seen.isNotEmpty())

        val report = doc.verify(trust(), now)
        assertEquals(report.checks.toString(), PaVerdict.VALID, report.verdict)
        assertEquals(Verification.VERIFIED, doc.summary().surname?.verification())
        assertEquals(CheckOutcome.Passed, doc.chipEvidence().chipAuthentication)
        assertEquals(CheckOutcome.Passed, doc.chipEvidence().activeAuthentication)
        assertTrue(doc.chipGenuine() is ChipGenuine.Proven)

        val face = doc.summary().face!!
        assertEquals(ImageFormat.JPEG2000, face.format)
        val px = doc.facePixels()!!
        assertTrue(px.width > 0u && px.height > 0u)
        assertEquals((px.width * px.height * 3u).toInt(), px.rgb.size)
        reader.close()
    }

    @Test
    fun progressFlowReportsDg2Bytes() = runBlocking {
        val card = VirtualCard.cnie()
        val reader = MonidReader(AccessKey.can(card.can()))
        val dg2 = AtomicReference<ReadProgress?>(null)
        val collector = launch {
            reader.progress.collect { if (it.step == ReadStep.READ_FILE && it.file == DocumentFile.DG2) dg2.set(it) }
        }
        reader.read(ForwardingTransport(card))
        // Let the collector drain the replayed value.
        withTimeout(5_000) { while (dg2.get() == null) kotlinx.coroutines.delay(10) }
        collector.cancel()
        assertTrue(dg2.get()!!.fileBytes > 0u)
    }

    @Test
    fun trustStoreFromPemAndDerFilesWithCrls() {
        val dir = System.getProperty("monid.testVectors")?.let { File(it, "pki") }
        val store = TrustStore()
        if (dir != null && dir.isDirectory) {
            assertEquals(1u, store.addPemBundle(File(dir, "certs/csca-uto-old.pem").readBytes()).added)
            assertEquals(1u, store.addDerCertificate(File(dir, "certs/link-uto-new-by-old.der").readBytes()).added)
            assertEquals(1u, store.addCrl(File(dir, "crl/csca-uto-old.crl").readBytes()).crlsAdded)
        } else {
            store.addPemBundle(virtualCardTrustAnchorsPem())
        }
        val bad = store.addDerCertificate(byteArrayOf(0x30, 0x03, 0x02, 0x01))
        assertEquals(0u, bad.added)
        assertEquals(1, bad.skipped.size)

        val card = VirtualCard.cnie()
        val doc = DocumentReader(AccessKey.can(card.can()), defaultReadOptions()).read(ForwardingTransport(card), null)
        assertEquals(PaVerdict.VALID, doc.verify(store, now).verdict)
        // An empty store cannot anchor the chain: incomplete, never valid.
        assertEquals(PaVerdict.INCOMPLETE, doc.verify(TrustStore(), now).verdict)
        assertTrue(doc.chipGenuine() is ChipGenuine.NotProven)
    }

    @Test
    fun paceWithAWrongCanIsAWrongAccessKey() = runBlocking {
        val card = VirtualCard.cnie()
        val wrong = if (card.can() == "123456") "654321" else "123456"
        val reader = MonidReader(AccessKey.can(wrong))
        val e = assertThrows<MonidError> { runBlocking { reader.read(ForwardingTransport(card)) } }
        assertTrue(e.toString(), e is MonidError.WrongAccessKey)
        assertFalse(e.message!!.contains(wrong))
    }

    @Test
    fun invalidInputIsTyped() {
        assertTrue(assertThrows<MonidException> { AccessKey.can("12345") } is MonidException.InvalidInput)
        val opts = defaultReadOptions().copy(activeAuthenticationChallenge = byteArrayOf(1, 2, 3))
        val card = VirtualCard.cnie()
        val e = assertThrows<MonidError> { MonidReader(AccessKey.can(card.can()), opts) }
        assertTrue(e is MonidError.InvalidInput)
    }

    @Test
    fun tagLostInsideDg2ThenAResumedReadSendsFewerApdus() = runBlocking {
        // A full read, for the APDU count.
        val full = VirtualCard.cnie()
        val fullTransport = ForwardingTransport(full)
        MonidReader(AccessKey.can(full.can())).read(fullTransport)
        val fullApdus = fullTransport.apdus

        val card = VirtualCard.cnie()
        val inDg2 = AtomicBoolean(false)
        val listenerReader = DocumentReader(AccessKey.can(card.can()), defaultReadOptions())
        val watch = object : ReadProgressListener {
            override fun onProgress(progress: ReadProgress) {
                if (progress.step == ReadStep.READ_FILE && progress.file == DocumentFile.DG2 &&
                    progress.fileBytes >= 8_000u) inDg2.set(true)
            }
        }
        // The Kotlin transport itself throws TagLost once DG2 is partly read.
        val first = LosingTransport(card) { inDg2.get() }
        val e = assertThrows<MonidException> { listenerReader.read(first, watch) }
        assertTrue(e.toString(), e is MonidException.TagLost)
        val partial = listenerReader.bytesSoFar(DocumentFile.DG2)
        assertTrue("DG2 partly read: $partial", partial in 8_000uL..40_000uL)
        assertFalse(listenerReader.isComplete(DocumentFile.DG2))

        // The user presents the card again: a new tag discovery and a fresh transport.
        card.reconnect()
        val second = ForwardingTransport(card)
        val doc = listenerReader.read(second, null)
        assertTrue("resumed ${second.apdus} < full $fullApdus", second.apdus < fullApdus)
        assertEquals(2u, doc.stats().calls)
        // The core counts the APDU that the transport refused with TagLost too.
        assertEquals((first.attempts + second.apdus).toULong(), doc.stats().apdus)
        assertEquals(PaVerdict.VALID, doc.verify(trust(), now).verdict)
        assertTrue(doc.files().first { it.file == DocumentFile.DG2 }.completedInCall == 2u)
    }

    @Test
    fun tagLostInsideDg2ThenTheSameMonidReaderResumesWithFewerApdus() = runBlocking {
        // Calibration: a full read through the generated reader notes how many APDUs were
        // delivered when DG2 had 8 000 bytes (the virtual card answers the same sequence each time).
        val full = VirtualCard.cnie()
        val fullTransport = ForwardingTransport(full)
        val dg2At = AtomicInteger(-1)
        val watch = object : ReadProgressListener {
            override fun onProgress(progress: ReadProgress) {
                if (progress.step == ReadStep.READ_FILE && progress.file == DocumentFile.DG2 &&
                    progress.fileBytes >= 8_000u) dg2At.compareAndSet(-1, fullTransport.apdus)
            }
        }
        DocumentReader(AccessKey.can(full.can()), defaultReadOptions()).read(fullTransport, watch)
        val fullApdus = fullTransport.apdus
        assertTrue(dg2At.get() in 1 until fullApdus)

        // The coroutine reader: the Kotlin transport throws TagLost from there on.
        val card = VirtualCard.cnie()
        val reader = MonidReader(AccessKey.can(card.can()))
        val first = ForwardingTransport(card) { i -> if (i >= dg2At.get()) throw TransportException.TagLost() }
        val e = assertThrows<MonidError> { runBlocking { reader.read(first) } }
        assertTrue(e.toString(), e is MonidError.TagLost)
        assertEquals(dg2At.get(), first.apdus)
        val partial = reader.bytesSoFar(DocumentFile.DG2)
        assertTrue("DG2 partly read: $partial", partial in 8_000L..40_000L)

        // The user presents the card again: the SAME MonidReader, a fresh transport.
        card.reconnect()
        val second = ForwardingTransport(card)
        val doc = reader.read(second)
        assertTrue("resumed ${second.apdus} < full $fullApdus", second.apdus < fullApdus)
        assertEquals(2u, doc.stats().calls)
        // The core counts the APDU that the transport refused with TagLost too.
        assertEquals((first.apdus + 1 + second.apdus).toULong(), doc.stats().apdus)
        assertEquals(PaVerdict.VALID, doc.verify(trust(), now).verdict)
        val dg2 = doc.files().first { it.file == DocumentFile.DG2 }
        assertEquals(2u, dg2.completedInCall)
        assertEquals(dg2.length!!.toLong(), reader.bytesSoFar(DocumentFile.DG2))
        reader.close()
    }

    @Test
    fun virtualCardCanLoseTheTagItself() {
        val card = VirtualCard.cnie()
        card.loseTagAfter(20u)
        val reader = DocumentReader(AccessKey.can(card.can()), defaultReadOptions())
        val e = assertThrows<MonidException> { reader.read(card.transport(), null) }
        assertTrue(e is MonidException.TagLost)
        card.reconnect()
        val doc = reader.read(card.transport(), null)
        assertEquals(2u, doc.stats().calls)
    }

    @Test
    fun cancellationFromAnotherThreadStopsWithinOneApdu() {
        val card = VirtualCard.cnie()
        val reader = DocumentReader(AccessKey.can(card.can()), defaultReadOptions())
        val token = reader.cancellationToken()
        val reached = CountDownLatch(1)
        val cancelled = CountDownLatch(1)
        val cancelAt = 25
        val transport = ForwardingTransport(card) { i ->
            if (i == cancelAt) {
                reached.countDown()
                // Hold this APDU until the other thread has cancelled.
                assertTrue(cancelled.await(10, TimeUnit.SECONDS))
            }
        }
        val outcome = AtomicReference<Throwable?>(null)
        val worker = Thread {
            try {
                reader.read(transport, null)
            } catch (t: Throwable) {
                outcome.set(t)
            }
        }
        worker.start()
        assertTrue(reached.await(30, TimeUnit.SECONDS))
        val canceller = Thread { token.cancel() }
        canceller.start()
        canceller.join()
        cancelled.countDown()
        worker.join(30_000)
        assertFalse(worker.isAlive)
        assertTrue("${outcome.get()}", outcome.get() is MonidException.Cancelled)
        // The APDU in flight when cancel() was called is the last one sent.
        assertEquals(cancelAt + 1, transport.apdus)
    }

    @Test
    fun cancellingTheCoroutineCancelsTheRead() = runBlocking {
        val card = VirtualCard.cnie()
        val reader = MonidReader(AccessKey.can(card.can()))
        val reached = CountDownLatch(1)
        val release = CountDownLatch(1)
        val transport = ForwardingTransport(card) { i ->
            if (i == 10) {
                reached.countDown()
                release.await(10, TimeUnit.SECONDS)
            }
        }
        val job = async(Dispatchers.Default) { runCatching { reader.read(transport) } }
        assertTrue(reached.await(30, TimeUnit.SECONDS))
        job.cancel()
        // The watcher runs on another IO thread and calls cancel() on the Rust reader.
        Thread.sleep(200)
        release.countDown()
        runCatching { job.await() }
        assertEquals(11, transport.apdus)
    }

    @Test
    fun aThrowingProgressListenerDoesNotStopTheRead() {
        val card = VirtualCard.cnie()
        val calls = AtomicInteger(0)
        val listener = object : ReadProgressListener {
            override fun onProgress(progress: ReadProgress) {
                calls.incrementAndGet()
                throw IllegalStateException("listener bug")
            }
        }
        val reader = DocumentReader(AccessKey.can(card.can()), defaultReadOptions())
        val doc = reader.read(ForwardingTransport(card), listener)
        assertTrue(calls.get() > 0)
        assertEquals(calls.get().toULong(), doc.stats().listenerFailures)
        assertEquals("UTO", doc.summary().issuingState?.value())
    }

    @Test
    fun aTransportThrowingAnUnexpectedExceptionIsATypedErrorAndTheReadCanResume() = runBlocking {
        val card = VirtualCard.cnie()
        val reader = MonidReader(AccessKey.can(card.can()))
        val buggy = ForwardingTransport(card) { i -> if (i == 30) throw IllegalStateException("transport bug") }
        val e = assertThrows<MonidError> { runBlocking { reader.read(buggy) } }
        assertTrue(e.toString(), e is MonidError.Internal)
        assertTrue(e.message!!.contains("IllegalStateException"))
        // No crash, and the same reader still works with a sane transport.
        card.reconnect()
        val doc = reader.read(ForwardingTransport(card))
        assertEquals("UTO", doc.summary().issuingState?.value())
    }

    @Test
    fun aTransportWhoseInfoThrowsFallsBackToShortApdus() {
        val card = VirtualCard.cnie()
        val t = object : uniffi.monid.NfcTransport {
            override fun transceive(apdu: ByteArray): ByteArray = card.process(apdu)
            override fun info(): uniffi.monid.TransportInfo = throw IllegalStateException("no info")
        }
        val doc = DocumentReader(AccessKey.can(card.can()), defaultReadOptions()).read(t, null)
        assertFalse(doc.link().extendedLength)
        assertEquals("UTO", doc.summary().issuingState?.value())
    }
}
