#if canImport(CoreNFC)
import CoreNFC
import Dispatch
import Foundation

/// Reads a document with CoreNFC from start to end: shows the NFC sheet, connects to the first
/// ISO 7816 tag, reads through a ``CoreNFCTransport`` and, when the card leaves the field or iOS
/// ends the session at its time limit, opens a new reader session and calls
/// ``MonidReader/read(transport:)`` again on the SAME reader, which resumes where the link
/// dropped (files already read are not read again).
///
/// ```swift
/// let reader = try MonidReader(key: AccessKey.can(can: can))
/// let document = try await CoreNFCReadSession().read(with: reader)
/// ```
///
/// When a read fails, the session decides from what CoreNFC reported, never from the read's
/// error kind alone (the core treats every I/O failure like a lost tag):
/// - iOS ended the session at its time limit (`readerSessionInvalidationErrorSessionTimeout`;
///   iOS allows a tag reader session about 20 s once a tag is connected, 60 s in all) or the
///   tag was lost (`readerTransceiveErrorTagConnectionLost`, tag not connected): a new session
///   after ``restartDelay``, up to ``maxSessions`` sessions;
/// - the user dismissed the sheet (`readerSessionInvalidationErrorUserCanceled`) or the task
///   was cancelled: ``MonidReaderError/cancelled(_:)`` at once, no new session;
/// - iOS ended the session otherwise (system busy, terminated unexpectedly...) or CoreNFC
///   refused a command: ``MonidReaderError/nfcUnavailable(_:)``, no new session;
/// - the core's own verdict (wrong access key, chip misbehaved, a command timeout...): that
///   error, no new session.
/// The reason iOS ended a session reaches its delegate, possibly after the failed command's
/// completion handler: the session waits up to half a second for it before deciding.
///
/// The app needs the NFC entitlement (`com.apple.developer.nfc.readersession.formats`: `TAG`),
/// `NFCReaderUsageDescription` and `com.apple.developer.nfc.readersession.iso7816.select-identifiers`
/// listing at least `A0000002471001` (the eMRTD application) in its Info.plist: see
/// docs/bindings.md for the other identifiers the core may select.
///
/// NOT VERIFIED ON A DEVICE: compiled in CI on Linux against a stub of CoreNFC, whose sessions
/// the tests drive (tag detection, invalidation reasons, lost tags).
public final class CoreNFCReadSession: Sendable {
    /// The texts shown on the NFC sheet.
    public struct Messages: Sendable {
        /// Shown when the first session starts.
        public var prompt: String
        /// Shown when a new session starts after the tag was lost or iOS ended the session.
        public var holdAgain: String
        /// Shown while reading.
        public var reading: String
        /// Shown when the read succeeded.
        public var done: String
        /// Shown when the read failed.
        public var failed: String

        public init(prompt: String = "Hold your ID card against the top of the iPhone.",
                    holdAgain: String = "Hold your ID card against the iPhone again to continue.",
                    reading: String = "Reading... keep the card still.",
                    done: String = "Done.",
                    failed: String = "The card could not be read.") {
            self.prompt = prompt
            self.holdAgain = holdAgain
            self.reading = reading
            self.done = done
            self.failed = failed
        }
    }

    /// The texts shown on the NFC sheet.
    public let messages: Messages
    /// How many reader sessions one document may take (the first included).
    public let maxSessions: Int
    /// Which tags to poll for. ISO 14443 covers eMRTDs; add `.pace` (iOS 16+) for cards that
    /// only answer PACE polling.
    public let pollingOption: NFCTagReaderSession.PollingOption
    /// The link the transports announce.
    public let transportInfo: TransportInfo
    /// The pause before a new session (iOS refuses one right after another ends: "system busy").
    public let restartDelay: TimeInterval
    /// How long to wait for the delegate to learn why a session ended after a command failed
    /// (0.5 s; tests choose it).
    let reasonGrace: TimeInterval

    public convenience init(messages: Messages = Messages(), maxSessions: Int = 5,
                            pollingOption: NFCTagReaderSession.PollingOption = [.iso14443],
                            transportInfo: TransportInfo = CoreNFCTransport.defaultInfo,
                            restartDelay: TimeInterval = 1) {
        self.init(messages: messages, maxSessions: maxSessions, pollingOption: pollingOption,
                  transportInfo: transportInfo, restartDelay: restartDelay, reasonGrace: 0.5)
    }

    init(messages: Messages, maxSessions: Int, pollingOption: NFCTagReaderSession.PollingOption,
         transportInfo: TransportInfo, restartDelay: TimeInterval, reasonGrace: TimeInterval) {
        self.messages = messages
        self.maxSessions = max(1, maxSessions)
        self.pollingOption = pollingOption
        self.transportInfo = transportInfo
        self.restartDelay = max(0, restartDelay)
        self.reasonGrace = max(0, reasonGrace)
    }

    /// Reads (resuming across sessions) the document that `reader`'s key opens.
    ///
    /// - Throws: ``MonidReaderError``: ``MonidReaderError/cancelled(_:)`` when the user
    ///   dismissed the sheet or the task was cancelled; ``MonidReaderError/nfcUnavailable(_:)``
    ///   when this device cannot read NFC tags or iOS ended the session for another reason than
    ///   its time limit; ``MonidReaderError/timeout(_:)`` (iOS's time limit) or
    ///   ``MonidReaderError/tagLost(_:)`` when each of ``maxSessions`` sessions ended so (call
    ///   again to go on: the reader still holds every byte); otherwise the read's own error.
    public func read(with reader: MonidReader) async throws -> Document {
        guard NFCTagReaderSession.readingAvailable else {
            throw MonidReaderError.nfcUnavailable("this device cannot read NFC tags")
        }
        var session = 1
        while true {
            let active = try await ActiveSession.start(
                polling: pollingOption, alert: session == 1 ? messages.prompt : messages.holdAgain)
            active.setAlert(messages.reading)
            let transport = CoreNFCTransport(
                tag: active.tag, info: transportInfo, commandTimeout: 15, sessionEnd: active.end)
            let readError: MonidReaderError
            do {
                let document = try await withTaskCancellationHandler {
                    try await reader.read(transport: transport)
                } onCancel: {
                    // Makes a pending sendCommand return at once.
                    active.invalidate(errorMessage: nil)
                }
                active.setAlert(messages.done)
                active.invalidate(errorMessage: nil)
                return document
            } catch {
                readError = MonidReaderError(error)
            }
            let linkFailure = transport.lastFailure
            // Only a CoreNFC failure can mean the session ended: then wait for its reason.
            let sessionEnd = linkFailure == nil ? active.end.code : await active.end.wait(upTo: reasonGrace)
            let decision = Self.decide(readError, sessionEnd: sessionEnd, linkFailure: linkFailure,
                                       taskCancelled: Task.isCancelled)
            switch decision {
            case .fail(let e):
                if case .cancelled = e {
                    active.invalidate(errorMessage: nil)
                } else {
                    active.invalidate(errorMessage: messages.failed)
                }
                throw e
            case .restart(let cause):
                active.invalidate(errorMessage: nil)
                guard session < maxSessions else {
                    switch cause {
                    case .sessionTimeout:
                        throw MonidReaderError.timeout(
                            "iOS ended the NFC session at its time limit in each of \(maxSessions) sessions")
                    case .tagLost:
                        throw MonidReaderError.tagLost("the card was lost in each of \(maxSessions) NFC sessions")
                    }
                }
                session += 1
                do {
                    try await Task.sleep(nanoseconds: UInt64(restartDelay * 1_000_000_000))
                } catch {
                    throw MonidReaderError(error)
                }
            }
        }
    }

    /// Why a new session is worth opening.
    enum RestartCause: Equatable {
        /// iOS ended the session at its time limit.
        case sessionTimeout
        /// The tag left the field (the session may still run).
        case tagLost
    }

    /// What to do after a failed read.
    enum Decision: Equatable {
        case restart(RestartCause)
        case fail(MonidReaderError)
    }

    /// Decides after a failed read: `error` is the read's error, `sessionEnd` why iOS ended the
    /// session (nil: still running, or not known), `linkFailure` the CoreNFC code of the command
    /// that failed (nil: no CoreNFC failure, the error is the core's own verdict).
    static func decide(_ error: MonidReaderError, sessionEnd: NFCReaderError.Code?,
                       linkFailure: NFCReaderError.Code?, taskCancelled: Bool) -> Decision {
        if taskCancelled {
            return .fail(.cancelled("the task was cancelled"))
        }
        guard let linkFailure else {
            // The chip's or the core's verdict, or a transport timeout: no new session helps.
            return .fail(error)
        }
        if let sessionEnd {
            switch sessionEnd {
            case .readerSessionInvalidationErrorUserCanceled:
                return .fail(.cancelled("the NFC sheet was dismissed"))
            case .readerSessionInvalidationErrorSessionTimeout:
                return .restart(.sessionTimeout)
            default:
                return .fail(.nfcUnavailable("iOS ended the NFC session: \(CoreNFCTransport.describe(sessionEnd))"))
            }
        }
        switch linkFailure {
        case .readerTransceiveErrorTagConnectionLost, .readerTransceiveErrorTagNotConnected:
            return .restart(.tagLost)
        case .readerTransceiveErrorRetryExceeded, .readerTransceiveErrorSessionInvalidated:
            // Retries exhausted (the core says timeout), or a session that ended without its
            // delegate hearing why: the read's error, no new session.
            return .fail(error)
        default:
            return .fail(.nfcUnavailable("CoreNFC refused a command: \(CoreNFCTransport.describe(linkFailure))"))
        }
    }
}

/// One NFC reader session with a connected ISO 7816 tag. CoreNFC objects are not Sendable; they
/// are touched through ``SessionBox`` (under a lock), and CoreNFC itself is safe to call from
/// any thread.
final class ActiveSession: @unchecked Sendable {
    private let box: SessionBox
    private let delegate: SessionDelegate
    let tag: any NFCISO7816Tag
    /// Why iOS ended the session (recorded by the delegate).
    var end: SessionEndRecord { delegate.end }

    private init(box: SessionBox, delegate: SessionDelegate, tag: any NFCISO7816Tag) {
        self.box = box
        self.delegate = delegate
        self.tag = tag
    }

    /// Begins a session and waits until an ISO 7816 tag is connected. Cancellation-safe: a
    /// cancel at any point (before the session begins included) ends the wait at once with
    /// ``MonidReaderError/cancelled(_:)``, even if iOS never calls the delegate, and a session
    /// is never begun after it was invalidated.
    static func start(polling: NFCTagReaderSession.PollingOption, alert: String) async throws -> ActiveSession {
        if Task.isCancelled { throw MonidReaderError.cancelled("the task was cancelled") }
        let delegate = SessionDelegate()
        guard let session = NFCTagReaderSession(pollingOption: polling, delegate: delegate, queue: delegate.queue) else {
            throw MonidReaderError.nfcUnavailable("CoreNFC offers no tag reader session")
        }
        let box = SessionBox(session)
        let tag: TagBox
        do {
            tag = try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (cont: CheckedContinuation<TagBox, any Error>) in
                    // False when the wait already ended (cancelled): then never begin.
                    if delegate.waitForTag(cont) {
                        box.begin(alert: alert)
                    }
                }
            } onCancel: {
                delegate.cancelWait()
                box.invalidate(errorMessage: nil)
            }
        } catch {
            box.invalidate(errorMessage: nil)
            throw MonidReaderError(error)
        }
        return ActiveSession(box: box, delegate: delegate, tag: tag.tag)
    }

    func setAlert(_ text: String) {
        box.setAlert(text)
    }

    func invalidate(errorMessage: String?) {
        box.invalidate(errorMessage: errorMessage)
    }
}

/// The session, touched under a lock: `begin` never runs after `invalidate` (a session
/// invalidated before it began may never call its delegate), and it is invalidated once.
final class SessionBox: @unchecked Sendable {
    private let session: NFCTagReaderSession
    private let lock = NSLock()
    private var invalidated = false

    init(_ session: NFCTagReaderSession) { self.session = session }

    func begin(alert: String) {
        lock.lock()
        defer { lock.unlock() }
        guard !invalidated else { return }
        session.alertMessage = alert
        session.begin()
    }

    func setAlert(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        guard !invalidated else { return }
        session.alertMessage = text
    }

    func invalidate(errorMessage: String?) {
        lock.lock()
        let first = !invalidated
        invalidated = true
        lock.unlock()
        guard first else { return }
        if let errorMessage {
            session.invalidate(errorMessage: errorMessage)
        } else {
            session.invalidate()
        }
    }

    func restartPolling() { session.restartPolling() }
}

/// A tag handed from CoreNFC's queue to the reading task.
struct TagBox: @unchecked Sendable {
    let tag: any NFCISO7816Tag
}

/// Receives CoreNFC's session events on its own serial queue: completes the wait for a tag and
/// records why the session ended (while waiting for a tag and while a read runs).
final class SessionDelegate: NSObject, NFCTagReaderSessionDelegate, @unchecked Sendable {
    let queue = DispatchQueue(label: "monid.corenfc.session")
    /// Why the session ended.
    let end = SessionEndRecord()
    private let lock = NSLock()
    private var waiter: CheckedContinuation<TagBox, any Error>?
    /// Set once the wait is over; a result arriving before the wait began is kept here.
    private var outcome: Result<TagBox, MonidReaderError>?

    /// Installs the continuation of the wait for a tag. Returns false (after resuming it) when
    /// the wait is already over, e.g. cancelled before it began.
    func waitForTag(_ cont: CheckedContinuation<TagBox, any Error>) -> Bool {
        lock.lock()
        if let outcome {
            lock.unlock()
            cont.resume(with: outcome.mapError { $0 as any Error })
            return false
        }
        waiter = cont
        lock.unlock()
        return true
    }

    /// Ends the wait for a tag with `cancelled` (no-op once it ended).
    func cancelWait() {
        finish(.failure(.cancelled("the task was cancelled")))
    }

    /// Ends the wait once: resumes the waiter, or keeps the result for a wait not begun yet.
    private func finish(_ result: Result<TagBox, MonidReaderError>) {
        lock.lock()
        if outcome != nil {
            lock.unlock()
            return
        }
        outcome = result
        let w = waiter
        waiter = nil
        lock.unlock()
        w?.resume(with: result.mapError { $0 as any Error })
    }

    func tagReaderSessionDidBecomeActive(_ session: NFCTagReaderSession) {}

    func tagReaderSession(_ session: NFCTagReaderSession, didInvalidateWithError error: any Error) {
        end.record(error)
        // Ends a wait for a tag; a read in progress learns it from `end`.
        let code = end.code ?? .readerSessionInvalidationErrorSessionTerminatedUnexpectedly
        switch code {
        case .readerSessionInvalidationErrorUserCanceled:
            finish(.failure(.cancelled("the NFC session was dismissed")))
        case .readerSessionInvalidationErrorSessionTimeout:
            finish(.failure(.timeout("no card was presented before the NFC session ended")))
        default:
            finish(.failure(.nfcUnavailable("the NFC session ended: \(CoreNFCTransport.describe(code))")))
        }
    }

    func tagReaderSession(_ session: NFCTagReaderSession, didDetect tags: [NFCTag]) {
        guard let first = tags.first, case let .iso7816(tag) = first else {
            session.alertMessage = "This is not an ID document. Try again."
            session.restartPolling()
            return
        }
        let box = TagBox(tag: tag)
        // The completion handler may be @Sendable in newer SDKs: capture only Sendable values.
        let restart = SessionBox(session)
        session.connect(to: first) { [self] error in
            if error != nil {
                restart.restartPolling()
            } else {
                self.finish(.success(box))
            }
        }
    }
}
#endif
