package org.monid

import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Runnable
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertSame
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import uniffi.monid.AccessKey
import uniffi.monid.DeviceKeyException
import uniffi.monid.ListenerException
import uniffi.monid.NfcTransport
import uniffi.monid.TransportException
import uniffi.monid.TransportInfo
import uniffi.monid.VirtualCard
import uniffi.monid.defaultReadOptions

/**
 * uniffi's callback glue catches `kotlin.Exception` only, and reports an undeclared one with
 * its message: the shell's wrappers turn whatever an app's callback throws (an `Error`
 * included) into the declared error, by class name.
 */
class CallbackGuardTest {
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
    fun aTransportCallingTodoEndsTheReadWithInternalNotChipMisbehaved(): Unit = runBlocking {
        val card = VirtualCard.cnie()
        val reader = MonidReader(AccessKey.can(card.can()))
        // TODO() throws NotImplementedError, an Error: without the guard JNA would swallow it
        // and Rust would see an empty response.
        val todo = ForwardingTransport(card) { i -> if (i == 12) TODO("transport for tag 04A25B1A") }
        val e = assertThrows<MonidError> { runBlocking { reader.read(todo) } }
        assertTrue(e.toString(), e is MonidError.Internal)
        assertTrue(e.message, e.message!!.contains("kotlin.NotImplementedError"))
        assertFalse("no message of the callback's exception", e.message!!.contains("04A25B1A"))
        assertEquals(12, todo.apdus)
        // The same reader resumes with a sane transport.
        card.reconnect()
        val doc = reader.read(ForwardingTransport(card))
        assertEquals("UTO", doc.summary().issuingState?.value())
    }

    @Test
    fun anAssertionErrorOrAStackOverflowIsInternalToo(): Unit = runBlocking {
        for (error in listOf<() -> Nothing>({ throw AssertionError("uid 04A25B1A") }, { throw StackOverflowError() })) {
            val card = VirtualCard.cnie()
            val reader = MonidReader(AccessKey.can(card.can()))
            val e = assertThrows<MonidError> {
                runBlocking { reader.read(ForwardingTransport(card) { i -> if (i == 3) error() }) }
            }
            assertTrue(e.toString(), e is MonidError.Internal)
            assertFalse(e.message!!.contains("04A25B1A"))
        }
    }

    @Test
    fun anUndeclaredExceptionReachesRustByClassNameOnly(): Unit = runBlocking {
        val card = VirtualCard.cnie()
        val reader = MonidReader(AccessKey.can(card.can()))
        val leaky = ForwardingTransport(card) { i ->
            if (i == 7) throw SecurityException("Permission Denial: Tag ( ID: 04 A2 5B 1A ) is out of date")
        }
        val e = assertThrows<MonidError> { runBlocking { reader.read(leaky) } }
        assertTrue(e.toString(), e is MonidError.Internal)
        assertTrue(e.message, e.message!!.contains("java.lang.SecurityException"))
        assertFalse(e.message, e.message!!.contains("04 A2") || e.message!!.contains("Permission"))
    }

    @Test
    fun aTransportWhoseInfoThrowsAnErrorIsAShortApduLink(): Unit = runBlocking {
        val card = VirtualCard.cnie()
        val t = object : NfcTransport {
            var sent = 0
            override fun transceive(apdu: ByteArray): ByteArray = card.process(apdu).also { sent++ }
            override fun info(): TransportInfo = TODO()
        }
        val doc = MonidReader(AccessKey.can(card.can())).read(t)
        assertFalse(doc.link().extendedLength)
        assertTrue(t.sent > 0)
        assertEquals("UTO", doc.summary().issuingState?.value())
    }

    /** Runs coroutines in the dispatching thread, so that a test sees that thread's interrupt flag. */
    private object Inline : CoroutineDispatcher() {
        override fun dispatch(context: CoroutineContext, block: Runnable) = block.run()
    }

    @Test
    fun anInterruptedTransportCancelsTheReadAndTheFlagDoesNotLeak(): Unit = runBlocking {
        val card = VirtualCard.cnie()
        val reader = MonidReader(AccessKey.can(card.can()), defaultReadOptions(), Inline)
        val t = ForwardingTransport(card) { i -> if (i == 5) throw InterruptedException() }
        try {
            val e = assertThrows<MonidError> { runBlocking { reader.read(t) } }
            assertTrue(e.toString(), e is MonidError.Cancelled)
            assertFalse("the worker thread is not left interrupted", Thread.currentThread().isInterrupted)
        } finally {
            Thread.interrupted()
        }
        // The next read on the same reader works.
        card.reconnect()
        assertEquals("UTO", reader.read(ForwardingTransport(card)).summary().issuingState?.value())
    }

    @Test
    fun aTransportThatReInterruptsItselfLikeIsoDepTransportDoesNotLeakTheFlag(): Unit = runBlocking {
        // The shipped mapping converts the interrupt itself and re-interrupts the thread: the
        // shell's guard sees a declared Cancelled, never the InterruptedException.
        val card = VirtualCard.cnie()
        val reader = MonidReader(AccessKey.can(card.can()), defaultReadOptions(), Inline)
        val t = IsoDepLikeTransport(card) { i -> if (i == 5) throw InterruptedException() }
        try {
            val e = assertThrows<MonidError> { runBlocking { reader.read(t) } }
            assertTrue(e.toString(), e is MonidError.Cancelled)
            assertTrue("${t.thrown}", t.thrown is TransportException.Cancelled)
            assertTrue("the mapping re-interrupted the thread", t.interruptedWhenThrown)
            assertFalse("the worker thread is not left interrupted", Thread.currentThread().isInterrupted)
            assertEquals(5, t.apdus)
        } finally {
            Thread.interrupted()
        }
        // The next read on the same reader works.
        card.reconnect()
        assertEquals("UTO", reader.read(IsoDepLikeTransport(card)).summary().issuingState?.value())
        assertFalse(Thread.currentThread().isInterrupted)
    }

    @Test
    fun anInterruptPendingBeforeTheReadStartedIsLeftToItsOwner(): Unit = runBlocking {
        // The read runs in a thread the caller owns (Inline), already interrupted: the read is
        // cancelled by the transport, but that interrupt was not raised by the read.
        val card = VirtualCard.cnie()
        val reader = MonidReader(AccessKey.can(card.can()), defaultReadOptions(), Inline)
        val t = IsoDepLikeTransport(card) { i -> if (i == 3) throw InterruptedException() }
        try {
            val e = assertThrows<MonidError> {
                runBlocking {
                    Thread.currentThread().interrupt()
                    reader.read(t)
                }
            }
            assertTrue(e.toString(), e is MonidError.Cancelled)
            assertTrue("the caller's interrupt is kept", Thread.currentThread().isInterrupted)
        } finally {
            Thread.interrupted()
        }
    }

    @Test
    fun aKeyStoreThatReInterruptsItselfLikeTheAndroidStoreDoesNotLeakTheFlag(): Unit = runBlocking {
        val keys = JcaKeyStore()
        keys.generate("d", JcaKeyStore.PLAIN)
        val card = VirtualCard.cnie()
        val doc = MonidReader(AccessKey.can(card.can())).use { it.read(ForwardingTransport(card)) }
        // AndroidKeystoreKeyStore's path: a prompt waiting on a latch is interrupted, and
        // KeystoreSupport maps it to DeviceKeyException.Cancelled after re-interrupting.
        var interruptedWhenThrown = false
        val prompting = object : uniffi.monid.DeviceKeyStore by keys {
            override fun sign(alias: String, message: ByteArray): ByteArray = try {
                throw InterruptedException()
            } catch (t: Throwable) {
                val e = org.monid.android.KeystoreSupport.toDeviceKeyException(t, "sign")
                interruptedWhenThrown = Thread.currentThread().isInterrupted
                throw e
            }
        }
        try {
            val f = assertThrows<ReceiptFailure> { runBlocking { MonidReceipts(Inline).enrol(doc, prompting, "d") } }
            assertTrue(f.toString(), f is ReceiptFailure.Cancelled)
            assertTrue("the mapping re-interrupted the thread", interruptedWhenThrown)
            assertFalse("the worker thread is not left interrupted", Thread.currentThread().isInterrupted)
        } finally {
            Thread.interrupted()
        }
        assertTrue(MonidReceipts(Inline).enrol(doc, keys, "d").devicePublicKey().contentEquals(keys.publicKey("d")))
    }

    @Test
    fun theShippedMappingsNameTheClassInTheFinalMessage(): Unit = runBlocking {
        // Through the Rust side, which keeps only the leading type name of an Unexpected reason.
        val card = VirtualCard.cnie()
        val reader = MonidReader(AccessKey.can(card.can()))
        val t = IsoDepLikeTransport(card) { i -> if (i == 4) TODO("tag 04A25B1A") }
        val e = assertThrows<MonidError> { runBlocking { reader.read(t) } }
        assertTrue(e.toString(), e is MonidError.Internal)
        assertTrue(e.message, e.message!!.endsWith("unexpectedly: kotlin.NotImplementedError"))
        assertFalse(e.message!!.contains("04A25B1A"))
        val keys = JcaKeyStore()
        keys.generate("d", JcaKeyStore.PLAIN)
        card.reconnect()
        val doc = reader.read(ForwardingTransport(card))
        val broken = object : uniffi.monid.DeviceKeyStore by keys {
            override fun sign(alias: String, message: ByteArray): ByteArray = try {
                throw AssertionError("alias secret-alias-42")
            } catch (t: Throwable) {
                throw org.monid.android.KeystoreSupport.toDeviceKeyException(t, "sign")
            }
        }
        val f = assertThrows<ReceiptFailure> { runBlocking { MonidReceipts().enrol(doc, broken, "d") } }
        assertTrue(f.toString(), f is ReceiptFailure.KeyStore)
        assertTrue(f.message, f.message!!.contains("unexpectedly: java.lang.AssertionError"))
        assertFalse(f.message!!.contains("secret"))
    }

    @Test
    fun aKeyStoreWhoseSignCallsTodoIsAKeyStoreFailure(): Unit = runBlocking {
        val keys = JcaKeyStore()
        keys.generate("d", JcaKeyStore.PLAIN)
        val card = VirtualCard.cnie()
        val doc = MonidReader(AccessKey.can(card.can())).use { it.read(ForwardingTransport(card)) }
        val todo = DelegatingKeyStore(keys) { TODO("alias secret-alias-42") }
        val f = assertThrows<ReceiptFailure> { runBlocking { MonidReceipts().enrol(doc, todo, "d") } }
        assertTrue(f.toString(), f is ReceiptFailure.KeyStore)
        assertTrue(f.message, f.message!!.contains("kotlin.NotImplementedError"))
        assertFalse(f.message!!.contains("secret"))
        assertEquals(1, todo.signCalls)
        // An interrupted prompt is a cancellation, and the worker thread is not left interrupted.
        val interrupted = DelegatingKeyStore(keys) { throw InterruptedException() }
        try {
            val g = assertThrows<ReceiptFailure> { runBlocking { MonidReceipts(Inline).enrol(doc, interrupted, "d") } }
            assertTrue(g.toString(), g is ReceiptFailure.Cancelled)
            assertFalse(Thread.currentThread().isInterrupted)
        } finally {
            Thread.interrupted()
        }
        // The same store, sane, enrols.
        assertTrue(MonidReceipts().enrol(doc, keys, "d").devicePublicKey().contentEquals(keys.publicKey("d")))
    }

    @Test
    fun theGuardsNameTheClassAndPassDeclaredErrorsThrough() {
        val lost = TransportException.TagLost()
        assertSame(lost, CallbackGuard.transport(lost))
        assertEquals("kotlin.NotImplementedError", (CallbackGuard.transport(NotImplementedError("x")) as TransportException.Unexpected).reason)
        assertTrue(CallbackGuard.transport(java.util.concurrent.CancellationException("x")) is TransportException.Cancelled)
        val invalidated = DeviceKeyException.KeyInvalidated()
        assertSame(invalidated, CallbackGuard.keyStore(invalidated))
        assertEquals("java.lang.AssertionError", (CallbackGuard.keyStore(AssertionError("secret")) as DeviceKeyException.Unexpected).reason)
        assertTrue(CallbackGuard.keyStore(kotlinx.coroutines.CancellationException("x")) is DeviceKeyException.Cancelled)
        val listener = CallbackGuard.listener(OutOfMemoryError("secret"))
        assertEquals("java.lang.OutOfMemoryError", (listener as ListenerException.Failed).reason)
        // Every method of a guarded store is guarded; an interruption is remembered.
        val broken = GuardedKeyStore(object : uniffi.monid.DeviceKeyStore by JcaKeyStore() {
            override fun publicKey(alias: String): ByteArray = throw StackOverflowError()
            override fun attestation(alias: String, challenge: ByteArray): List<ByteArray> = TODO()

            // Unit-returning: without the guard, JNA would hand Rust a plain success.
            override fun delete(alias: String) = TODO()
        })
        assertTrue(assertThrows<DeviceKeyException> { broken.publicKey("d") } is DeviceKeyException.Unexpected)
        assertTrue(assertThrows<DeviceKeyException> { broken.attestation("d", ByteArray(1)) } is DeviceKeyException.Unexpected)
        assertTrue(assertThrows<DeviceKeyException> { broken.delete("d") } is DeviceKeyException.Unexpected)
        assertFalse(broken.interrupted)
        val declared = GuardedKeyStore(JcaKeyStore())
        assertTrue(assertThrows<DeviceKeyException> { declared.delete("missing") } is DeviceKeyException.NotFound)
        val slow = GuardedKeyStore(DelegatingKeyStore(JcaKeyStore()) { throw InterruptedException() })
        try {
            assertTrue(assertThrows<DeviceKeyException> { slow.sign("d", ByteArray(1)) } is DeviceKeyException.Cancelled)
            assertTrue(slow.interrupted)
            assertTrue("restored until the owning call clears it", Thread.currentThread().isInterrupted)
        } finally {
            Thread.interrupted()
        }
    }
}
