#if canImport(CoreNFC)
import CoreNFC
import Dispatch
import Foundation

/// Reads a document with CoreNFC from start to end: shows the NFC sheet, connects to the first
/// ISO 7816 tag, reads through a ``CoreNFCTransport`` and, when the tag is lost or iOS ends the
/// session (it does so about 20 s after `begin()`), opens a new reader session and calls
/// ``MonidReader/read(transport:)`` again on the SAME reader, which resumes where the link
/// dropped (files already read are not read again).
///
/// ```swift
/// let reader = try MonidReader(key: AccessKey.can(can: can))
/// let document = try await CoreNFCReadSession().read(with: reader)
/// ```
///
/// The app needs the NFC entitlement (`com.apple.developer.nfc.readersession.formats`: `TAG`),
/// `NFCReaderUsageDescription` and `com.apple.developer.nfc.readersession.iso7816.select-identifiers`
/// listing `A0000002471001` (the eMRTD application) in its Info.plist: see docs/bindings.md.
///
/// NOT VERIFIED ON A DEVICE: compiled in CI on Linux against a stub of CoreNFC only.
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

    public init(messages: Messages = Messages(), maxSessions: Int = 5,
                pollingOption: NFCTagReaderSession.PollingOption = [.iso14443],
                transportInfo: TransportInfo = CoreNFCTransport.defaultInfo) {
        self.messages = messages
        self.maxSessions = max(1, maxSessions)
        self.pollingOption = pollingOption
        self.transportInfo = transportInfo
    }

    /// Reads (resuming across sessions) the document that `reader`'s key opens.
    ///
    /// - Throws: ``MonidReaderError``; ``MonidReaderError/cancelled(_:)`` when the user
    ///   dismissed the sheet or the task was cancelled; ``MonidReaderError/tagLost(_:)`` when
    ///   the tag was lost in each of ``maxSessions`` sessions (call again to go on: the reader
    ///   still holds every byte).
    public func read(with reader: MonidReader) async throws -> Document {
        guard NFCTagReaderSession.readingAvailable else {
            throw MonidReaderError.unsupportedDocument("this device cannot read NFC tags")
        }
        var session = 1
        while true {
            let active: ActiveSession
            do {
                active = try await ActiveSession.start(
                    polling: pollingOption, alert: session == 1 ? messages.prompt : messages.holdAgain)
            } catch {
                throw MonidReaderError(error)
            }
            active.setAlert(messages.reading)
            let transport = CoreNFCTransport(tag: active.tag, info: transportInfo)
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
            } catch let e as MonidReaderError where e.isResumable && session < maxSessions {
                // The tag left the field or iOS ended the session: a new session, same reader.
                active.invalidate(errorMessage: nil)
                session += 1
                // iOS refuses a new session ("system busy") right after one ends.
                do {
                    try await Task.sleep(nanoseconds: 1_000_000_000)
                } catch {
                    throw MonidReaderError(error)
                }
                continue
            } catch {
                active.invalidate(errorMessage: messages.failed)
                throw MonidReaderError(error)
            }
        }
    }
}

/// One NFC reader session with a connected ISO 7816 tag. CoreNFC objects are not Sendable; they
/// are touched under a lock, and CoreNFC itself is safe to call from any thread.
final class ActiveSession: @unchecked Sendable {
    private let session: NFCTagReaderSession
    private let delegate: SessionDelegate
    let tag: any NFCISO7816Tag

    private init(session: NFCTagReaderSession, delegate: SessionDelegate, tag: any NFCISO7816Tag) {
        self.session = session
        self.delegate = delegate
        self.tag = tag
    }

    /// Begins a session and waits until an ISO 7816 tag is connected.
    static func start(polling: NFCTagReaderSession.PollingOption, alert: String) async throws -> ActiveSession {
        let delegate = SessionDelegate()
        guard let session = NFCTagReaderSession(pollingOption: polling, delegate: delegate, queue: delegate.queue) else {
            throw MonidReaderError.unsupportedDocument("CoreNFC offers no tag reader session")
        }
        let box = SessionBox(session)
        // A session invalidated before it began may never call its delegate: check first.
        try Task.checkCancellation()
        let tag = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (cont: CheckedContinuation<TagBox, any Error>) in
                delegate.waitForTag(cont)
                box.begin(alert: alert)
            }
        } onCancel: {
            box.invalidate()
        }
        return ActiveSession(session: session, delegate: delegate, tag: tag.tag)
    }

    func setAlert(_ text: String) {
        session.alertMessage = text
    }

    func invalidate(errorMessage: String?) {
        if let errorMessage {
            session.invalidate(errorMessage: errorMessage)
        } else {
            session.invalidate()
        }
    }
}

/// Lets a cancellation handler reach a session.
private final class SessionBox: @unchecked Sendable {
    private let session: NFCTagReaderSession
    init(_ session: NFCTagReaderSession) { self.session = session }
    func begin(alert: String) {
        session.alertMessage = alert
        session.begin()
    }
    func invalidate() { session.invalidate() }
    func restartPolling() { session.restartPolling() }
}

/// A tag handed from CoreNFC's queue to the reading task.
struct TagBox: @unchecked Sendable {
    let tag: any NFCISO7816Tag
}

/// Receives CoreNFC's session events on its own serial queue and completes the wait for a tag.
final class SessionDelegate: NSObject, NFCTagReaderSessionDelegate, @unchecked Sendable {
    let queue = DispatchQueue(label: "monid.corenfc.session")
    private let lock = NSLock()
    private var waiter: CheckedContinuation<TagBox, any Error>?

    func waitForTag(_ cont: CheckedContinuation<TagBox, any Error>) {
        lock.lock()
        waiter = cont
        lock.unlock()
    }

    private func finish(_ result: Result<TagBox, MonidReaderError>) {
        lock.lock()
        let w = waiter
        waiter = nil
        lock.unlock()
        w?.resume(with: result.mapError { $0 as any Error })
    }

    func tagReaderSessionDidBecomeActive(_ session: NFCTagReaderSession) {}

    func tagReaderSession(_ session: NFCTagReaderSession, didInvalidateWithError error: any Error) {
        // Ends a wait for a tag; a read in progress learns it from its next sendCommand.
        switch CoreNFCTransport.map(error) {
        case .Cancelled:
            finish(.failure(.cancelled("the NFC session was dismissed")))
        case .TagLost:
            finish(.failure(.timeout("no card was presented before the NFC session ended")))
        default:
            finish(.failure(.internal("the NFC session ended (\(CoreNFCTransport.map(error)))")))
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
