package org.monid

import java.util.concurrent.atomic.AtomicBoolean
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import uniffi.monid.CancellationToken
import uniffi.monid.Claim
import uniffi.monid.DeviceKeyStore
import uniffi.monid.Document
import uniffi.monid.Enrolment
import uniffi.monid.FaceMatch
import uniffi.monid.ReceiptException
import uniffi.monid.ScannedChallenge
import uniffi.monid.SealedReceipt

/**
 * Receipts and enrolment as `suspend` functions: a thin layer over the generated blocking
 * `createReceipt` / `enrol` (which call the key store's `sign`, and so may wait for a biometric
 * prompt). Each call runs on [dispatcher] (default [Dispatchers.IO]); cancelling the calling
 * coroutine cancels the Rust call through a `CancellationToken` (checked before and after the
 * key store's `sign`: a prompt already showing is the key store's to dismiss). Failures are
 * [ReceiptFailure]. The key store is called through a guard: whatever it throws that is not a
 * `DeviceKeyException` (an `Error` included) arrives in Rust as `DeviceKeyException.Unexpected`
 * with its class name only, and the call fails with [ReceiptFailure.KeyStore]; an
 * `InterruptedException` or a `CancellationException` as `DeviceKeyException.Cancelled`
 * ([ReceiptFailure.Cancelled]).
 *
 * Interrupts: a key store interrupted in the worker thread (a prompt waiting on a latch) ends
 * the call with [ReceiptFailure.Cancelled], whether it throws the raw `InterruptedException`
 * (the guard converts it and restores the flag) or converts it itself and re-interrupts the
 * thread, as [org.monid.android.AndroidKeystoreKeyStore] does
 * (`DeviceKeyException.Cancelled`). Once the Rust call has returned, the worker thread's
 * interrupt flag is cleared if the call ended as [ReceiptFailure.Cancelled] (or the guard saw
 * an `InterruptedException`) AND the flag was not set when the call started: that interrupt
 * was consumed as the cancellation and must not leak into [dispatcher]'s next task
 * ([Dispatchers.IO] reuses its threads as they are). Not unconditionally: [dispatcher] may run
 * the call in a thread the caller owns, whose earlier interrupt is left as it was.
 *
 * ```
 * val scanned = scanChallengeAsync(qrText, trust)                     // Dispatchers.Default
 * val doc = MonidReader(AccessKey.can(can), defaultReadOptions().copy(
 *     activeAuthenticationChallenge = scanned.activeAuthenticationChallenge(store.publicKey("device")),
 * )).read(transport)
 * val sealed = MonidReceipts().createReceipt(scanned, store, "device", document = doc,
 *     faceMatch = match, liveCapture = capture)
 * post(sealed.responseUri, sealed.envelope)                             // application/cose
 * ```
 */
class MonidReceipts @JvmOverloads constructor(
    private val dispatcher: CoroutineDispatcher = Dispatchers.IO,
) {
    /**
     * Builds, signs and seals the receipt answering [challenge] (see the generated
     * `createReceipt` for what each input is needed for).
     *
     * @throws ReceiptFailure on failure.
     */
    suspend fun createReceipt(
        challenge: ScannedChallenge,
        keyStore: DeviceKeyStore,
        alias: String,
        document: Document? = null,
        faceMatch: FaceMatch? = null,
        liveCapture: ByteArray? = null,
        enrolment: Enrolment? = null,
        nowUnixSeconds: Long = System.currentTimeMillis() / 1000,
    ): SealedReceipt = cancellable(keyStore) { store, token ->
        uniffi.monid.createReceipt(
            challenge, document, faceMatch, liveCapture, enrolment, store, alias,
            nowUnixSeconds.toULong(), token,
        )
    }

    /**
     * Enrols the device key under [alias] with [document] (read with EF.SOD, DG1 and DG2).
     *
     * @throws ReceiptFailure on failure.
     */
    suspend fun enrol(
        document: Document,
        keyStore: DeviceKeyStore,
        alias: String,
        nowUnixSeconds: Long = System.currentTimeMillis() / 1000,
    ): Enrolment = cancellable(keyStore) { store, token ->
        uniffi.monid.enrol(document, store, alias, nowUnixSeconds.toULong(), token)
    }

    private suspend fun <T> cancellable(
        keyStore: DeviceKeyStore,
        block: (DeviceKeyStore, CancellationToken) -> T,
    ): T = withContext(dispatcher) {
        val store = GuardedKeyStore(keyStore)
        val token = CancellationToken()
        val finished = AtomicBoolean(false)
        // Runs in the cancelling thread (Unconfined): no free thread of `dispatcher` needed.
        val watcher = launch(Dispatchers.Unconfined, start = CoroutineStart.UNDISPATCHED) {
            try {
                awaitCancellation()
            } finally {
                if (!finished.get()) token.cancel()
            }
        }
        val interruptedAtStart = Thread.currentThread().isInterrupted
        var endedCancelled = false
        try {
            block(store, token)
        } catch (e: Exception) {
            val failure = ReceiptFailure.from(e)
            endedCancelled = failure is ReceiptFailure.Cancelled
            throw failure
        } finally {
            finished.set(true)
            watcher.cancel()
            // A key store interrupted during the call ended it as Cancelled: the interrupt is
            // consumed (see the class doc).
            CallbackGuard.consumeInterrupt(interruptedAtStart, endedCancelled || store.interrupted)
        }
    }
}

/**
 * Why a receipt or an enrolment could not be made: one subclass per case, so that a `when` is
 * exhaustive. Messages name the field or step, never a value.
 */
sealed class ReceiptFailure(message: String, cause: Throwable? = null) : Exception(message, cause) {
    /** Something the challenge asks for was not given (document, face match, enrolment...). */
    class MissingInput(message: String, cause: Throwable? = null) : ReceiptFailure(message, cause)

    /** The card has no value for a requested claim. */
    class ValueUnavailable(val claim: Claim, message: String, cause: Throwable? = null) :
        ReceiptFailure(message, cause)

    /** The card was read with another active-authentication challenge: read it again with
     *  `ScannedChallenge.activeAuthenticationChallenge(devicePublicKey)`. */
    class AaChallengeMismatch(message: String, cause: Throwable? = null) : ReceiptFailure(message, cause)

    /** An input is invalid (face record out of range, malformed enrolment...). */
    class InvalidInput(message: String, cause: Throwable? = null) : ReceiptFailure(message, cause)

    /** The device key was permanently invalidated: enrol again with a new key. */
    class KeyInvalidated(message: String, cause: Throwable? = null) : ReceiptFailure(message, cause)

    /** The user dismissed the key store's authentication prompt. */
    class UserCancelled(message: String, cause: Throwable? = null) : ReceiptFailure(message, cause)

    /** The coroutine (or the key store) cancelled. */
    class Cancelled(message: String, cause: Throwable? = null) : ReceiptFailure(message, cause)

    /** The key store failed otherwise (including a key store that threw something undeclared). */
    class KeyStore(message: String, cause: Throwable? = null) : ReceiptFailure(message, cause)

    /** A library bug. */
    class Internal(message: String, cause: Throwable? = null) : ReceiptFailure(message, cause)

    companion object {
        /** Maps the generated `ReceiptException` (or anything else) to this hierarchy. */
        @JvmStatic
        fun from(e: Throwable): ReceiptFailure = when (e) {
            is ReceiptFailure -> e
            is ReceiptException.MissingInput -> MissingInput(e.message ?: "missing input", e)
            is ReceiptException.ValueUnavailable -> ValueUnavailable(e.claim, e.message ?: "value unavailable", e)
            is ReceiptException.AaChallengeMismatch -> AaChallengeMismatch(e.message ?: "AA challenge mismatch", e)
            is ReceiptException.InvalidInput -> InvalidInput(e.message ?: "invalid input", e)
            is ReceiptException.KeyInvalidated -> KeyInvalidated(e.message ?: "key invalidated", e)
            is ReceiptException.UserCancelled -> UserCancelled(e.message ?: "user cancelled", e)
            is ReceiptException.Cancelled -> Cancelled(e.message ?: "cancelled", e)
            is ReceiptException.KeyStore -> KeyStore(e.message ?: "key store failed", e)
            is ReceiptException.Internal -> Internal(e.message ?: "internal error", e)
            else -> Internal("unexpected failure: ${e.javaClass.simpleName}", e)
        }
    }
}
