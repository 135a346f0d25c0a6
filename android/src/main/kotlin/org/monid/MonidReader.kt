package org.monid

import java.util.concurrent.atomic.AtomicBoolean
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.channels.BufferOverflow
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.SharedFlow
import kotlinx.coroutines.flow.asSharedFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import uniffi.monid.AccessKey
import uniffi.monid.Document
import uniffi.monid.DocumentReader
import uniffi.monid.NfcTransport
import uniffi.monid.ReadOptions
import uniffi.monid.ReadProgress
import uniffi.monid.ReadProgressListener
import uniffi.monid.TransportException
import uniffi.monid.TransportInfo
import uniffi.monid.defaultReadOptions

/**
 * Reads one document, resumably, without ever blocking the calling thread.
 *
 * The Rust core is blocking by design: [read] runs it on [dispatcher] (default
 * [Dispatchers.IO]), where the transport's blocking `transceive` (Android `IsoDep.transceive`)
 * is called. Progress arrives on [progress] as a [kotlinx.coroutines.flow.Flow] (collect it from
 * the UI; it keeps the latest value and drops old ones when the collector is slow).
 *
 * After [MonidError.TagLost], call [read] again with a fresh transport once the tag is back:
 * files already read are not read again. Cancelling the coroutine that calls [read], or calling
 * [cancel] from any thread while [read] runs, stops the read before its next APDU with
 * [MonidError.Cancelled]. A [cancel] while no read runs has no effect (see [cancel]).
 *
 * ```
 * val reader = MonidReader(AccessKey.can("123456"))
 * val doc = reader.read(IsoDepTransport(isoDep))        // connects the tag itself
 * val report = doc.verifyAsync(trustStore)              // passive authentication off the caller's thread
 * ```
 */
class MonidReader @JvmOverloads constructor(
    key: AccessKey,
    options: ReadOptions = defaultReadOptions(),
    private val dispatcher: CoroutineDispatcher = Dispatchers.IO,
) : AutoCloseable {
    private val reader: DocumentReader = try {
        DocumentReader(key, options)
    } catch (e: Exception) {
        throw MonidError.from(e)
    }

    private val progressFlow = MutableSharedFlow<ReadProgress>(
        replay = 1,
        extraBufferCapacity = 64,
        onBufferOverflow = BufferOverflow.DROP_OLDEST,
    )

    /** Progress of the current read (the latest value is replayed to new collectors). */
    val progress: SharedFlow<ReadProgress> = progressFlow.asSharedFlow()

    private val listener = object : ReadProgressListener {
        override fun onProgress(progress: ReadProgress) {
            // tryEmit never suspends (the buffer drops the oldest value when the collector is
            // slow); guarded all the same, since a Throwable escaping here would reach JNA.
            try {
                progressFlow.tryEmit(progress)
            } catch (t: Throwable) {
                throw CallbackGuard.listener(t)
            }
        }
    }

    private val lock = Any()

    /** The cancellation flags of the reads that entered [read] and have not returned. */
    private val calls = HashSet<AtomicBoolean>() // guarded by lock

    /**
     * Reads (or resumes reading) the document over [transport] on [dispatcher].
     *
     * Cancellation: the Rust reader clears its own cancellation token when a read starts, so a
     * cancel arriving before that moment would be lost if only the token carried it. Each call
     * therefore registers its own flag as soon as it is entered, before switching to
     * [dispatcher], and wraps [transport] in a per-call wrapper that checks that flag before
     * every APDU and throws `TransportException.Cancelled` once it is set (it is never cleared):
     * whatever the timing, a read cancelled while it runs stops with [MonidError.Cancelled]
     * within one APDU, and one cancelled before its first APDU (while it waits for a thread of
     * [dispatcher], or during the transport's `info()`) sends none. The coroutine watcher runs
     * on [Dispatchers.Unconfined], i.e. synchronously in the thread that cancels, so it does
     * not need a free thread of [dispatcher].
     *
     * The wrapper also turns anything the transport throws that is not a
     * `TransportException` (an `IllegalStateException`, `TODO()`, an `AssertionError`) into
     * `TransportException.Unexpected(<class name>)`: the read ends with [MonidError.Internal],
     * never with an empty response or the exception's message.
     *
     * Interrupts: a transport interrupted in the worker thread ends the read with
     * [MonidError.Cancelled], whether it throws the raw `InterruptedException` (the wrapper
     * converts it and restores the flag) or converts it itself and re-interrupts the thread, as
     * [org.monid.android.IsoDepTransport] does (`TransportException.Cancelled`). Once the Rust
     * read has returned, the worker thread's interrupt flag is cleared if the read ended as
     * [MonidError.Cancelled] (or the wrapper saw an `InterruptedException`) AND the flag was
     * not set when the read started: that interrupt was consumed as the read's cancellation, and
     * must not leak into [dispatcher]'s next task ([Dispatchers.IO] reuses its threads as they
     * are). It is not cleared unconditionally: [dispatcher] is the caller's choice and may run
     * the read in a thread the caller owns, so a flag already set when the read started (someone
     * else's interrupt) is left as it was.
     *
     * @throws MonidError on failure (a sealed hierarchy; [MonidError.TagLost] is resumable).
     */
    suspend fun read(transport: NfcTransport): Document {
        val cancelled = AtomicBoolean(false)
        synchronized(lock) { calls.add(cancelled) }
        try {
            return withContext(dispatcher) { readOn(transport, cancelled) }
        } finally {
            synchronized(lock) { calls.remove(cancelled) }
        }
    }

    private suspend fun readOn(transport: NfcTransport, cancelled: AtomicBoolean): Document = coroutineScope {
        val finished = AtomicBoolean(false)
        // Cancels this read when the coroutine is cancelled while the read blocks.
        val watcher = launch(Dispatchers.Unconfined, start = CoroutineStart.UNDISPATCHED) {
            try {
                awaitCancellation()
            } finally {
                if (!finished.get()) {
                    cancelled.set(true)
                    reader.cancel()
                }
            }
        }
        val link = CancellableTransport(transport, cancelled)
        val interruptedAtStart = Thread.currentThread().isInterrupted
        var endedCancelled = false
        try {
            reader.read(link, listener)
        } catch (e: Exception) {
            val error = MonidError.from(e)
            endedCancelled = error is MonidError.Cancelled
            throw error
        } finally {
            finished.set(true)
            watcher.cancel()
            CallbackGuard.consumeInterrupt(interruptedAtStart, endedCancelled || link.interrupted)
        }
    }

    /**
     * Cancels the read in progress (it stops within one APDU with [MonidError.Cancelled]); safe
     * from any thread. A read is in progress from the moment [read] is entered (before it
     * waits for a thread of [dispatcher]) until it returns.
     *
     * With no read in progress, [cancel] has NO effect: it is not kept for a later read. A
     * Cancel tapped on the "hold the card again" screen after [MonidError.TagLost], or a cancel
     * in `onPause`, must not make the resumed read fail. To cancel a read that has not started
     * yet (launched in a coroutine that has not run), cancel that coroutine's `Job`: a read whose
     * coroutine is cancelled before it runs is never entered and sends nothing.
     */
    fun cancel() {
        synchronized(lock) { calls.forEach { it.set(true) } }
        reader.cancel()
    }

    /** Bytes received so far for [file] (0 while a read runs). */
    fun bytesSoFar(file: uniffi.monid.DocumentFile): Long = reader.bytesSoFar(file).toLong()

    /** Releases the Rust reader (its buffers are zeroized). */
    override fun close() = reader.close()
}

/**
 * One read's view of the app's transport: throws [TransportException.Cancelled] instead of
 * sending once [cancelled] is set, and rethrows whatever the app's transport throws as a
 * [TransportException] ([CallbackGuard.transport]; see [MonidReader.read]).
 */
internal class CancellableTransport(
    private val inner: NfcTransport,
    private val cancelled: AtomicBoolean,
) : NfcTransport {
    /** Set when the app's transport threw `InterruptedException` (flag restored meanwhile). */
    @Volatile
    var interrupted = false
        private set

    private fun failure(t: Throwable): TransportException {
        if (t is InterruptedException) interrupted = true
        return CallbackGuard.transport(t)
    }

    override fun transceive(apdu: ByteArray): ByteArray {
        if (cancelled.get()) throw TransportException.Cancelled()
        return try {
            inner.transceive(apdu)
        } catch (t: Throwable) {
            throw failure(t)
        }
    }

    override fun info(): TransportInfo = try {
        inner.info()
    } catch (t: Throwable) {
        throw failure(t)
    }
}
