package org.monid

import uniffi.monid.DeviceKeyException
import uniffi.monid.DeviceKeyOptions
import uniffi.monid.DeviceKeyStore
import uniffi.monid.ListenerException
import uniffi.monid.TransportException

/**
 * What the shell's callback wrappers turn a foreign failure into.
 *
 * uniffi's generated callback glue catches `kotlin.Exception` only: a `Throwable` that is not an
 * `Exception` (`TODO()`'s `NotImplementedError`, `AssertionError`, `StackOverflowError`,
 * `OutOfMemoryError`) escapes into JNA, which reports it to its uncaught-exception handler and
 * returns an EMPTY SUCCESS to Rust (a transport would "answer" an empty response). And an
 * undeclared `Exception` reaches Rust as its `toString()` and stack trace, message included
 * (which may quote a tag UID or data). So every wrapper through which the shell forwards a
 * platform callback catches `Throwable` and rethrows the callback's declared error:
 * - the declared error type itself passes through unchanged;
 * - `InterruptedException` becomes the declared `Cancelled` (where there is one) and the
 *   thread's interrupt flag is restored while Rust unwinds; the shell call that owns the thread
 *   ([MonidReader.read], [MonidReceipts]) reports it as its `Cancelled` error and then clears
 *   the flag ([consumeInterrupt]), so that it does not leak into the dispatcher's next task.
 *   The same holds when the callback converted the interrupt itself and re-interrupted the
 *   thread before throwing its declared `Cancelled` (as [org.monid.android.IsoDepTransport] and
 *   [org.monid.android.AndroidKeystoreKeyStore] do): the guard then sees no
 *   `InterruptedException`, and the owning call goes by its outcome;
 *   `java.util.concurrent.CancellationException` (which includes kotlinx's) becomes
 *   `Cancelled` too;
 * - anything else becomes the declared `Unexpected` (`Failed` for a listener) with the
 *   exception's CLASS NAME only, never its message.
 */
internal object CallbackGuard {
    /**
     * Called by a shell call that owns a worker thread ([MonidReader.read], [MonidReceipts]) in
     * that thread, once its Rust call has returned: clears the thread's interrupt flag when the
     * call [ended as cancelled][cancelled] (or one of its guards saw an `InterruptedException`)
     * and the flag was not already set when the call started ([interruptedAtStart]). Such an
     * interrupt was raised during the call and consumed as its cancellation, whether a guard
     * restored it or the callback re-interrupted the thread itself before throwing its declared
     * `Cancelled`. A flag set before the call started belongs to whoever set it and is left
     * alone (a caller's dispatcher may run the call in a thread the caller owns).
     */
    fun consumeInterrupt(interruptedAtStart: Boolean, cancelled: Boolean) {
        if (cancelled && !interruptedAtStart) Thread.interrupted()
    }

    /** The fully qualified class name of [t] (never its message). */
    fun className(t: Throwable): String = t.javaClass.name

    private fun isCancellation(t: Throwable): Boolean {
        if (t is InterruptedException) {
            Thread.currentThread().interrupt()
            return true
        }
        return t is java.util.concurrent.CancellationException
    }

    /** [t], thrown by an app's `NfcTransport`, as the declared [TransportException]. */
    fun transport(t: Throwable): TransportException = when {
        t is TransportException -> t
        isCancellation(t) -> TransportException.Cancelled()
        else -> TransportException.Unexpected(className(t))
    }

    /** [t], thrown by an app's `DeviceKeyStore`, as the declared [DeviceKeyException]. */
    fun keyStore(t: Throwable): DeviceKeyException = when {
        t is DeviceKeyException -> t
        isCancellation(t) -> DeviceKeyException.Cancelled()
        else -> DeviceKeyException.Unexpected(className(t))
    }

    /** [t], thrown by a progress listener, as the declared [ListenerException]. */
    fun listener(t: Throwable): ListenerException = when (t) {
        is ListenerException -> t
        else -> {
            if (t is InterruptedException) Thread.currentThread().interrupt()
            ListenerException.Failed(className(t))
        }
    }
}

/**
 * An app's [DeviceKeyStore] as handed to Rust by the shell ([MonidReceipts]): every call is
 * guarded by [CallbackGuard.keyStore], so whatever the store throws arrives in Rust as a
 * [DeviceKeyException] (never an empty success, never a message).
 */
internal class GuardedKeyStore(private val inner: DeviceKeyStore) : DeviceKeyStore {
    /** Set when a call was interrupted (the interrupt flag was restored on that thread). */
    @Volatile
    var interrupted = false
        private set

    private inline fun <T> guard(block: () -> T): T = try {
        block()
    } catch (t: Throwable) {
        if (t is InterruptedException) interrupted = true
        throw CallbackGuard.keyStore(t)
    }

    override fun generate(alias: String, options: DeviceKeyOptions): ByteArray = guard { inner.generate(alias, options) }

    override fun publicKey(alias: String): ByteArray = guard { inner.publicKey(alias) }

    override fun sign(alias: String, message: ByteArray): ByteArray = guard { inner.sign(alias, message) }

    override fun delete(alias: String) = guard { inner.delete(alias) }

    override fun attestation(alias: String, challenge: ByteArray): List<ByteArray> =
        guard { inner.attestation(alias, challenge) }

}
