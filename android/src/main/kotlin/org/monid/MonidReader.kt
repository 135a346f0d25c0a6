package org.monid

import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicReference
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.awaitCancellation
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
 * val doc = reader.read(IsoDepTransport(isoDep))
 * val report = doc.verify(trustStore, System.currentTimeMillis() / 1000)
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
            // Never fails: the buffer drops the oldest value when the collector is slow.
            progressFlow.tryEmit(progress)
        }
    }

    /** The cancellation flag of the read in progress (null between reads). */
    private val currentCall = AtomicReference<AtomicBoolean?>(null)

    /**
     * Reads (or resumes reading) the document over [transport] on [dispatcher].
     *
     * Cancellation: the Rust reader clears its own cancellation token when a read starts, so a
     * cancel arriving just before that moment would be lost. Each call therefore wraps
     * [transport] in a per-call wrapper that throws `TransportException.Cancelled` from its next
     * `transceive` once this call was cancelled (the flag is never cleared): whatever the timing,
     * the read stops with [MonidError.Cancelled] within one APDU. The watcher runs on
     * [Dispatchers.Unconfined], i.e. synchronously in the thread that cancels, so it does not
     * need a free thread of [dispatcher].
     *
     * @throws MonidError on failure (a sealed hierarchy; [MonidError.TagLost] is resumable).
     */
    suspend fun read(transport: NfcTransport): Document = withContext(dispatcher) {
        val cancelled = AtomicBoolean(false)
        val finished = AtomicBoolean(false)
        currentCall.set(cancelled)
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
        try {
            reader.read(CancellableTransport(transport, cancelled), listener)
        } catch (e: Exception) {
            throw MonidError.from(e)
        } finally {
            finished.set(true)
            currentCall.compareAndSet(cancelled, null)
            watcher.cancel()
        }
    }

    /** Cancels the read in progress (within one APDU); safe from any thread. */
    fun cancel() {
        currentCall.get()?.set(true)
        reader.cancel()
    }

    /** Bytes received so far for [file] (0 while a read runs). */
    fun bytesSoFar(file: uniffi.monid.DocumentFile): Long = reader.bytesSoFar(file).toLong()

    /** Releases the Rust reader (its buffers are zeroized). */
    override fun close() = reader.close()
}

/**
 * One read's view of the app's transport: throws [TransportException.Cancelled] instead of
 * sending once [cancelled] is set (see [MonidReader.read]).
 */
internal class CancellableTransport(
    private val inner: NfcTransport,
    private val cancelled: AtomicBoolean,
) : NfcTransport {
    override fun transceive(apdu: ByteArray): ByteArray {
        if (cancelled.get()) throw TransportException.Cancelled()
        return inner.transceive(apdu)
    }

    override fun info(): TransportInfo = inner.info()
}
