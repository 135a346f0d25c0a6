package org.monid

import java.io.File
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Runnable
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import uniffi.monid.AccessKey
import uniffi.monid.ChallengeException
import uniffi.monid.ChipGenuine
import uniffi.monid.DocumentFile
import uniffi.monid.PaVerdict
import uniffi.monid.RelyingPartyTrust
import uniffi.monid.TrustStore
import uniffi.monid.VirtualCard
import uniffi.monid.defaultReadOptions
import uniffi.monid.virtualCardTrustAnchorsPem

/** The `suspend` forms of the slow generated calls run on the dispatcher they are given. */
class MonidAsyncTest {
    private val now = 1_764_000_000L // 2025-11-24, within the test PKI's validity

    /** A dispatcher over one named worker thread that counts the blocks it runs. */
    private class Worker : CoroutineDispatcher() {
        val executor = Executors.newSingleThreadExecutor { r -> Thread(r, "monid-test-worker") }
        val dispatched = AtomicInteger(0)

        override fun dispatch(context: CoroutineContext, block: Runnable) {
            dispatched.incrementAndGet()
            executor.execute(block)
        }
    }

    private val worker = Worker()

    @After
    fun stop() {
        worker.executor.shutdownNow()
    }

    private fun vectors(): File {
        val path = System.getProperty("monid.testVectors")
        assertNotNull("-Dmonid.testVectors not set", path)
        val dir = File(path!!)
        assertTrue("test vectors at $dir", dir.isDirectory)
        return dir
    }

    @Test
    fun verifyAndFacePixelsRunOffTheCallingThread(): Unit = runBlocking {
        val card = VirtualCard.cnie()
        val doc = MonidReader(AccessKey.can(card.can())).use { it.read(ForwardingTransport(card)) }
        val csca = TrustStore().also { it.addPemBundle(virtualCardTrustAnchorsPem()) }

        val report = doc.verifyAsync(csca, now, worker)
        assertEquals(report.checks.toString(), PaVerdict.VALID, report.verdict)
        assertEquals(1, worker.dispatched.get())
        // The document keeps the result, as with the blocking call.
        assertTrue(doc.chipGenuine() is ChipGenuine.Proven)

        val px = doc.facePixelsAsync(worker)
        assertNotNull(px)
        assertEquals((px!!.width * px.height * 3u).toInt(), px.rgb.size)
        assertEquals(2, worker.dispatched.get())

        // With the default dispatcher (Dispatchers.Default) and the default clock.
        assertEquals(PaVerdict.INCOMPLETE, doc.verifyAsync(TrustStore()).verdict)
        assertNotNull(doc.facePixelsAsync())
    }

    @Test
    fun facePixelsOfADocumentReadWithoutDg2IsNull(): Unit = runBlocking {
        val card = VirtualCard.cnie()
        val options = defaultReadOptions().copy(files = listOf(DocumentFile.DG1))
        val doc = MonidReader(AccessKey.can(card.can()), options).use { it.read(ForwardingTransport(card)) }
        assertNull(doc.facePixelsAsync(worker))
    }

    @Test
    fun addMasterListLoadsTheSignedListOffTheCallingThread(): Unit = runBlocking {
        val dir = File(vectors(), "pki")
        val cms = File(dir, "masterlist/masterlist.ml").readBytes()
        val anchor = File(dir, "certs/csca-uto-old.der").readBytes()
        val store = TrustStore()
        val report = store.addMasterListAsync(cms, anchor, worker)
        assertEquals(report.skipped.toString(), 4u, report.added)
        assertEquals(true, report.masterListVerified)
        assertEquals(1, worker.dispatched.get())
        // Garbage is a report, not a crash.
        val bad = TrustStore().addMasterListAsync(byteArrayOf(0x30, 0x03, 0x02, 0x01, 0x01), anchor)
        assertEquals(0u, bad.added)
    }

    @Test
    fun scanChallengeAsyncKeepsTheTypedErrors(): Unit = runBlocking {
        try {
            scanChallengeAsync("hello", RelyingPartyTrust(), dispatcher = worker)
            fail("garbage scanned")
        } catch (e: ChallengeException) {
            assertTrue(e.toString(), e is ChallengeException.Malformed)
        }
        assertEquals(1, worker.dispatched.get())
    }
}
