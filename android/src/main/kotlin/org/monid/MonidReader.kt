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
 * [cancel] from any thread, stops the read before its next APDU with [MonidError.Cancelled].
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

    /** A [cancel] that found no read: it cancels the next read to start. */
    private var pendingCancel = false // guarded by lock

    /**
     * Reads (or resumes reading) the document over [transport] on [dispatcher].
     *
     * Cancellation: the Rust reader clears its own cancellation token when a read starts, so a
     * cancel arriving before that moment would be lost if only the token carried it. Each call
     * therefore registers its own flag as soon as it is entered, before switching to
     * [dispatcher], and wraps [transport] in a per-call wrapper that checks that flag before
     * every APDU and throws `TransportException.Cancelled` once it is set (it is never cleared):
     * whatever the timing, a cancelled read stops with [MonidError.Cancelled] within one APDU,
     * and one cancelled before it started (see [cancel]) sends none. The coroutine watcher runs
     * on [Dispatchers.Unconfined], i.e. synchronously in the thread that cancels, so it does not
     * need a free thread of [dispatcher].
     *
     * The wrapper also turns anything the transport throws that is not a
     * `TransportException` (an `IllegalStateException`, `TODO()`, an `AssertionError`) into
     * `TransportException.Unexpected(<class name>)`: the read ends with [MonidError.Internal],
     * never with an empty response or the exception's message. An `InterruptedException` from
     * the transport ends it with [MonidError.Cancelled] (the worker thread's interrupt flag is
     * cleared once the read has ended, so it does not leak into [dispatcher]'s next task).
     *
     * @throws MonidError on failure (a sealed hierarchy; [MonidError.TagLost] is resumable).
     */
    suspend fun read(transport: NfcTransport): Document {
        val cancelled = AtomicBoolean(false)
        synchronized(lock) {
            calls.add(cancelled)
            if (pendingCancel) {
                pendingCancel = false
                cancelled.set(true)
            }
        }
        try {
            if (cancelled.get()) throw MonidError.Cancelled("cancelled before the read started")
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
        try {
            reader.read(link, listener)
        } catch (e: Exception) {
            throw MonidError.from(e)
        } finally {
            finished.set(true)
            watcher.cancel()
            // An interrupted transport ended the read as Cancelled: the interrupt is consumed.
            if (link.interrupted) Thread.interrupted()
        }
    }

    /**
     * Cancels the read in progress (it stops within one APDU with [MonidError.Cancelled]); safe
     * from any thread. A cancel is never lost: when no read is running (for instance a read
     * launched in a coroutine that has not started yet), the NEXT [read] to start is cancelled
     * before it sends anything. Only one read consumes a cancel: the read after it is not
     * affected.
     */
    fun cancel() {
        synchronized(lock) {
            if (calls.isEmpty()) pendingCancel = true else calls.forEach { it.set(true) }
        }
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
