package org.monid

import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicReference
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import uniffi.monid.AccessKey
import uniffi.monid.Assurance
import uniffi.monid.ChallengeSpec
import uniffi.monid.Claim
import uniffi.monid.ClaimRequest
import uniffi.monid.DeviceKeyStore
import uniffi.monid.FaceMatch
import uniffi.monid.Level
import uniffi.monid.Liveness
import uniffi.monid.NfcTransport
import uniffi.monid.RelyingPartyTrust
import uniffi.monid.TransportInfo
import uniffi.monid.TrustStore
import uniffi.monid.Verifier
import uniffi.monid.VerifierConfig
import uniffi.monid.VirtualCard
import uniffi.monid.defaultPolicy
import uniffi.monid.defaultReadOptions
import uniffi.monid.scanChallenge
import uniffi.monid.testRelyingParty
import uniffi.monid.virtualCardTrustAnchorsPem

/**
 * Cancellation through the coroutine API lands within one APDU whatever the timing, including
 * a cancel that arrives before the Rust read has started (the Rust reader clears its own token
 * when a read starts; the shell's per-call transport wrapper keeps it).
 */
class MonidCancellationTest {
    /** A transport whose `info()` (called by the core once per read, BEFORE it clears its
     *  cancellation token) waits for [release]. */
    private class SlowStart(private val card: VirtualCard) : NfcTransport {
        val entered = CountDownLatch(1)
        val release = CountDownLatch(1)
        val forward = ForwardingTransport(card)

        override fun transceive(apdu: ByteArray): ByteArray = forward.transceive(apdu)
        override fun info(): TransportInfo {
            entered.countDown()
            assertTrue(release.await(10, TimeUnit.SECONDS))
            return card.info()
        }
    }

    /**
     * What the cancelled caller sees: the shell's `Cancelled`, or the coroutine's own
     * CancellationException when kotlinx resumes the cancelled caller before the block's
     * failure reaches it (withContext's prompt cancellation). Anything else (a finished read,
     * another error) fails.
     */
    private fun assertCancelled(t: Throwable?, receipt: Boolean = false) {
        val shell = if (receipt) t is ReceiptFailure.Cancelled else t is MonidError.Cancelled
        assertTrue("$t", shell || t is kotlinx.coroutines.CancellationException)
    }

    private fun outcomeOf(reader: MonidReader, transport: NfcTransport, outcome: AtomicReference<Throwable?>) =
        kotlinx.coroutines.CoroutineScope(Dispatchers.Default).async(Dispatchers.Default) {
            try {
                reader.read(transport)
            } catch (t: Throwable) {
                outcome.set(t)
                throw t
            }
        }

    @Test
    fun cancellingTheCoroutineBeforeTheFirstApduSendsNone(): Unit = runBlocking {
        val card = VirtualCard.cnie()
        val reader = MonidReader(AccessKey.can(card.can()))
        val t = SlowStart(card)
        val outcome = AtomicReference<Throwable?>(null)
        val job = outcomeOf(reader, t, outcome)
        assertTrue(t.entered.await(30, TimeUnit.SECONDS))
        job.cancel() // while the read is starting: the Rust token would be cleared after this
        t.release.countDown()
        runCatching { job.await() }
        assertEquals(0, t.forward.apdus)
        assertCancelled(outcome.get())
    }

    @Test
    fun monidReaderCancelBeforeTheFirstApduSendsNone(): Unit = runBlocking {
        val card = VirtualCard.cnie()
        val reader = MonidReader(AccessKey.can(card.can()))
        val t = SlowStart(card)
        val outcome = AtomicReference<Throwable?>(null)
        val job = outcomeOf(reader, t, outcome)
        assertTrue(t.entered.await(30, TimeUnit.SECONDS))
        reader.cancel()
        t.release.countDown()
        runCatching { job.await() }
        assertEquals(0, t.forward.apdus)
        assertCancelled(outcome.get())
        // The next read on the same reader is not cancelled.
        val again = ForwardingTransport(card)
        reader.read(again)
        assertTrue(again.apdus > 0)
    }

    @Test
    fun aCancelWhileTheReadWaitsForItsDispatcherIsKept(): Unit = runBlocking {
        // read() has been entered but its body has not started: the reader's dispatcher (one
        // thread) is busy. The Rust read would clear its token when it starts; the shell's
        // per-call flag, registered before the dispatcher switch, keeps the cancel.
        val single = java.util.concurrent.Executors.newSingleThreadExecutor()
        val dispatcher = single.asCoroutineDispatcher()
        try {
            val busy = CountDownLatch(1)
            val running = CountDownLatch(1)
            single.execute {
                running.countDown()
                busy.await(10, TimeUnit.SECONDS)
            }
            assertTrue(running.await(10, TimeUnit.SECONDS))
            val card = VirtualCard.cnie()
            val reader = MonidReader(AccessKey.can(card.can()), defaultReadOptions(), dispatcher)
            val t = ForwardingTransport(card)
            val outcome = AtomicReference<Throwable?>(null)
            // UNDISPATCHED: runs read() in this thread up to its dispatcher switch, which waits.
            val job = kotlinx.coroutines.CoroutineScope(Dispatchers.Default).async(start = CoroutineStart.UNDISPATCHED) {
                try {
                    reader.read(t)
                } catch (e: Throwable) {
                    outcome.set(e)
                    throw e
                }
            }
            reader.cancel()
            busy.countDown()
            runCatching { job.await() }
            assertEquals("a cancelled read sends nothing", 0, t.apdus)
            assertTrue("${outcome.get()}", outcome.get() is MonidError.Cancelled)
            // The cancel applied to that read only: the next read works.
            val again = ForwardingTransport(card)
            reader.read(again)
            assertTrue(again.apdus > 0)
        } finally {
            dispatcher.close()
        }
    }

    @Test
    fun aCancelWithNoReadRunningDoesNotAffectTheNextRead(): Unit = runBlocking {
        val card = VirtualCard.cnie()
        val reader = MonidReader(AccessKey.can(card.can()))
        // Before any read.
        reader.cancel()
        val first = ForwardingTransport(card)
        assertEquals("UTO", reader.read(first).summary().issuingState?.value())
        assertTrue(first.apdus > 0)
        // After TagLost: Cancel tapped on the "hold the card again" screen (or in onPause),
        // then the card is presented again: the resumed read runs to the end.
        val fresh = VirtualCard.cnie()
        val resumable = MonidReader(AccessKey.can(fresh.can()))
        val lost = ForwardingTransport(fresh) { i -> if (i == 20) throw uniffi.monid.TransportException.TagLost() }
        val e = runCatching { resumable.read(lost) }.exceptionOrNull()
        assertTrue("$e", e is MonidError.TagLost)
        resumable.cancel()
        fresh.reconnect()
        val resumed = ForwardingTransport(fresh)
        assertEquals("UTO", resumable.read(resumed).summary().issuingState?.value())
        assertTrue(resumed.apdus > 0)
    }

    @Test
    fun aReadNotStartedYetIsCancelledThroughItsJob(): Unit = runBlocking {
        // The idiomatic way to cancel a read launched in a coroutine that has not run yet:
        // cancel its Job (MonidReader.cancel() has no effect while no read runs).
        val card = VirtualCard.cnie()
        val reader = MonidReader(AccessKey.can(card.can()))
        val t = ForwardingTransport(card)
        val job = kotlinx.coroutines.CoroutineScope(Dispatchers.Default).async(start = CoroutineStart.LAZY) {
            reader.read(t)
        }
        reader.cancel() // no read running: no effect
        job.cancel()
        job.start()
        val e = runCatching { job.await() }.exceptionOrNull()
        assertTrue("$e", e is kotlinx.coroutines.CancellationException)
        assertEquals("a read whose coroutine never ran sends nothing", 0, t.apdus)
        // The reader is not affected.
        assertTrue(reader.read(ForwardingTransport(card)).stats().apdus > 0u)
    }

    @Test
    fun cancellingTheCoroutineFromAnotherThreadMidReadStopsWithinOneApdu(): Unit = runBlocking {
        val card = VirtualCard.cnie()
        val reader = MonidReader(AccessKey.can(card.can()))
        val reached = CountDownLatch(1)
        val release = CountDownLatch(1)
        val at = 40
        val transport = ForwardingTransport(card) { i ->
            if (i == at) {
                reached.countDown()
                assertTrue(release.await(10, TimeUnit.SECONDS))
            }
        }
        val outcome = AtomicReference<Throwable?>(null)
        val job = outcomeOf(reader, transport, outcome)
        assertTrue(reached.await(30, TimeUnit.SECONDS))
        // Another thread cancels; no sleep: the watcher runs in the cancelling thread.
        val canceller = Thread { job.cancel() }
        canceller.start()
        canceller.join()
        release.countDown()
        runCatching { job.await() }
        // The APDU in flight when the coroutine was cancelled is the last one sent.
        assertEquals(at + 1, transport.apdus)
        assertCancelled(outcome.get())
    }

    @Test
    fun aSingleThreadDispatcherStillCancels(): Unit = runBlocking {
        // The watcher does not need a free thread of the reader's dispatcher.
        val single = java.util.concurrent.Executors.newSingleThreadExecutor()
        val dispatcher = single.asCoroutineDispatcher()
        try {
            val card = VirtualCard.cnie()
            val reader = MonidReader(AccessKey.can(card.can()), defaultReadOptions(), dispatcher)
            val reached = CountDownLatch(1)
            val release = CountDownLatch(1)
            val transport = ForwardingTransport(card) { i ->
                if (i == 5) {
                    reached.countDown()
                    assertTrue(release.await(10, TimeUnit.SECONDS))
                }
            }
            val outcome = AtomicReference<Throwable?>(null)
            val job = outcomeOf(reader, transport, outcome)
            assertTrue(reached.await(30, TimeUnit.SECONDS))
            job.cancel()
            release.countDown()
            runCatching { job.await() }
            assertEquals(6, transport.apdus)
            assertCancelled(outcome.get())
        } finally {
            dispatcher.close()
        }
    }

    @Test
    fun cancellingAReceiptCoroutineNeverReachesTheKeyStoreSign(): Unit = runBlocking {
        val rp = testRelyingParty()
        val csca = TrustStore().also { it.addPemBundle(virtualCardTrustAnchorsPem()) }
        val v = Verifier(VerifierConfig(uniffi.monid.RpSigningKey.fromPem(rp.signingKeyPem), rp.certificateChainPem, false, csca, "", defaultPolicy(), 16u))
        val now = System.currentTimeMillis() / 1000
        val issued = v.issueChallenge(
            ChallengeSpec(
                "cancel test", listOf(ClaimRequest(Claim.NAMES, Level.CHIP_VERIFIABLE)),
                Assurance(chipRead = true, chipGenuine = true, faceMatch = true),
                "https://bank.example.ma/monid/receipt", 300u,
            ),
            now.toULong(),
        )
        val trust = RelyingPartyTrust().also { it.addAnchorsPem(rp.anchorPem) }
        val scanned = scanChallenge(issued.qrText, trust, now.toULong(), 120u)
        val keys = JcaKeyStore()
        val device = keys.generate("d", JcaKeyStore.PLAIN)
        val card = VirtualCard.cnie()
        val doc = MonidReader(
            AccessKey.can(card.can()),
            defaultReadOptions().copy(activeAuthenticationChallenge = scanned.activeAuthenticationChallenge(device)),
        ).read(ForwardingTransport(card))

        val prompting = CountDownLatch(1)
        val answer = CountDownLatch(1)
        val signs = java.util.concurrent.atomic.AtomicInteger(0)
        // The core asks for the public key, then signs. This store holds the public-key call
        // until the test has cancelled the coroutine: the core must then never call sign (its
        // prompt), which proves the coroutine's cancellation reached the Rust token.
        val store = object : DeviceKeyStore by keys {
            override fun publicKey(alias: String): ByteArray {
                prompting.countDown()
                assertTrue(answer.await(10, TimeUnit.SECONDS))
                return keys.publicKey(alias)
            }

            override fun sign(alias: String, message: ByteArray): ByteArray {
                signs.incrementAndGet()
                return keys.sign(alias, message)
            }
        }
        val outcome = AtomicReference<Throwable?>(null)
        val job = kotlinx.coroutines.CoroutineScope(Dispatchers.Default).async(Dispatchers.Default) {
            try {
                MonidReceipts().createReceipt(
                    scanned, store, "d", document = doc,
                    faceMatch = FaceMatch("m", "1", 900u, 800u, true, Liveness.PASSED),
                    liveCapture = byteArrayOf(1), nowUnixSeconds = now,
                )
            } catch (t: Throwable) {
                outcome.set(t)
                throw t
            }
        }
        assertTrue(prompting.await(30, TimeUnit.SECONDS))
        job.cancel()
        answer.countDown()
        runCatching { job.await() }
        assertCancelled(outcome.get(), receipt = true)
        assertEquals("a cancelled receipt never reaches the key store's sign", 0, signs.get())
        assertTrue(job.isCancelled)
        Unit
    }
}
