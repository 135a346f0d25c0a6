import Foundation

/// Reads one document, resumably, without ever blocking the caller.
///
/// The Rust core is blocking by design (see core/src/lib.rs, "Contract: threading and
/// cancellation"): ``read(transport:)`` runs it on a dedicated thread of its own (with a 4 MiB
/// stack: iOS gives secondary threads 512 KiB), never on the main actor and never on a thread of
/// Swift's cooperative pool, because the transport's `transceive` blocks there (``CoreNFCTransport`` waits on a semaphore for CoreNFC's completion
/// handler). Progress arrives as an `AsyncStream` (``progressUpdates()``).
///
/// After ``MonidReaderError/tagLost(_:)`` (the card moved, or iOS ended the NFC session after
/// about 20 s), call ``read(transport:)`` again with a fresh transport once the tag is back:
/// files already read are not read again. Cancelling the task that awaits ``read(transport:)``,
/// or calling ``cancel()`` from any thread, stops the read before its next APDU with
/// ``MonidReaderError/cancelled(_:)``.
///
/// ```swift
/// let reader = try MonidReader(key: AccessKey.can(can: "123456"))
/// let document = try await reader.read(transport: transport)
/// let report = try await document.verifyAsync(trustStore: store)
/// ```
public final class MonidReader: Sendable {
    private let reader: DocumentReader
    private let hub = ProgressHub()
    private let current = CurrentRead()

    /// A reader for the document that `key` opens.
    ///
    /// - Throws: ``MonidReaderError/invalidInput(_:)`` when the options are invalid.
    public init(key: AccessKey, options: ReadOptions = defaultReadOptions()) throws {
        do {
            reader = try DocumentReader(key: key, options: options)
        } catch {
            throw MonidReaderError(error)
        }
    }

    deinit {
        hub.finishAll()
    }

    /// Reads (or resumes reading) the document over `transport` on a dedicated thread.
    ///
    /// - Throws: ``MonidReaderError`` (``MonidReaderError/tagLost(_:)`` is resumable).
    public func read(transport: any NfcTransport) async throws -> Document {
        let state = ReadState()
        current.set(state)
        let guarded = GuardedTransport(inner: transport, state: state)
        let reader = self.reader
        let listener: any ReadProgressListener = hub
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Document, any Error>) in
                // A thread of its own with a 4 MiB stack (see RustThread: iOS gives secondary
                // threads 512 KiB, and the core's PACE / CMS / JPEG 2000 paths run deep).
                RustThread.start(name: "monid-read") {
                    do {
                        cont.resume(returning: try reader.read(transport: guarded, listener: listener))
                    } catch {
                        cont.resume(throwing: MonidReaderError(error))
                    }
                }
            }
        } onCancel: {
            state.cancel()
            reader.cancel()
        }
    }

    /// Cancels the read in progress; safe from any thread. The read stops before its next APDU.
    public func cancel() {
        current.get()?.cancel()
        reader.cancel()
    }

    /// A new stream of the progress of this reader's reads (resumed ones included). Subscribe
    /// before calling ``read(transport:)``; the stream keeps the newest 64 values when its
    /// consumer is slow and finishes when ``finishProgress()`` is called or the reader goes away.
    public func progressUpdates() -> AsyncStream<ReadProgress> {
        hub.subscribe()
    }

    /// Finishes every progress stream handed out so far (their `for await` loops end).
    public func finishProgress() {
        hub.finishAll()
    }

    /// Bytes received so far for `file` (complete or not); 0 while a read is running.
    public func bytesSoFar(_ file: DocumentFile) -> UInt64 {
        reader.bytesSoFar(file: file)
    }

    /// True once `file` has been read completely (false while a read is running).
    public func isComplete(_ file: DocumentFile) -> Bool {
        reader.isComplete(file: file)
    }
}

/// The cancellation flag of one `read` call. The Rust reader clears its own token when a read
/// starts, so a cancel that lands between `read` being called and the Rust read starting would
/// be lost; this flag, checked by ``GuardedTransport`` before every APDU, closes that window.
final class ReadState: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }
}

/// The state of the read in progress, if any.
final class CurrentRead: @unchecked Sendable {
    private let lock = NSLock()
    private var state: ReadState?

    func set(_ s: ReadState) {
        lock.lock()
        state = s
        lock.unlock()
    }

    func get() -> ReadState? {
        lock.lock()
        defer { lock.unlock() }
        return state
    }
}

/// Wraps the app's transport: refuses the next APDU once the read is cancelled.
final class GuardedTransport: NfcTransport, @unchecked Sendable {
    private let inner: any NfcTransport
    private let state: ReadState

    init(inner: any NfcTransport, state: ReadState) {
        self.inner = inner
        self.state = state
    }

    func transceive(apdu: Data) throws -> Data {
        if state.isCancelled { throw TransportError.Cancelled }
        return try inner.transceive(apdu: apdu)
    }

    func info() throws -> TransportInfo {
        try inner.info()
    }
}

/// Fans the core's progress callbacks (on the reading thread) out to `AsyncStream`s.
final class ProgressHub: ReadProgressListener, @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var streams: [Int: AsyncStream<ReadProgress>.Continuation] = [:]

    func subscribe() -> AsyncStream<ReadProgress> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: ReadProgress.self, bufferingPolicy: .bufferingNewest(64))
        lock.lock()
        let id = next
        next += 1
        streams[id] = continuation
        lock.unlock()
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        return stream
    }

    private func remove(_ id: Int) {
        lock.lock()
        streams[id] = nil
        lock.unlock()
    }

    func finishAll() {
        lock.lock()
        let all = Array(streams.values)
        streams.removeAll()
        lock.unlock()
        for c in all { c.finish() }
    }

    func onProgress(progress: ReadProgress) throws {
        lock.lock()
        let all = Array(streams.values)
        lock.unlock()
        // Never blocks: each stream drops its oldest value when its consumer is slow.
        for c in all { c.yield(progress) }
    }
}
