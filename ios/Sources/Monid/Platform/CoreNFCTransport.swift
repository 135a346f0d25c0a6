#if canImport(CoreNFC)
import CoreNFC
import Dispatch
import Foundation

/// The iOS NFC link to one ISO 7816 tag (`NFCISO7816Tag`), for ``MonidReader``.
///
/// CoreNFC's `sendCommand` is asynchronous; the core's transport is blocking. Per the core's
/// threading contract (core/src/lib.rs), `transceive` starts the command and waits on a
/// semaphore for the completion handler. That wait happens on the reader's own thread (see
/// ``MonidReader/read(transport:)``), never on the main actor, and CoreNFC calls the
/// completion handler on its session's queue, so it cannot deadlock.
///
/// Errors (``map(_:sessionEnd:)``; texts never contain APDU bytes):
/// - the tag left the field or is no longer connected: `TransportError.TagLost` (resumable in a
///   new session);
/// - the session ended (`readerTransceiveErrorSessionInvalidated`, or the tag no longer
///   available): it depends on WHY iOS ended it, which only the session's delegate learns. Hand
///   the reason to ``sessionDidInvalidate(with:)`` from your delegate (``CoreNFCReadSession``
///   does): the user dismissing the sheet is `TransportError.Cancelled`, iOS's time limit
///   (`readerSessionInvalidationErrorSessionTimeout`) is `TagLost`, anything else (system busy,
///   terminated unexpectedly...) is `Io`; while the reason is not known yet, `TagLost`;
/// - too many retries, or no answer within ``commandTimeout``: `TransportError.Timeout`;
/// - anything else CoreNFC refuses: `Io` naming the CoreNFC code.
/// The core treats `Io` like a lost tag (resumable), so whoever restarts sessions must decide
/// from ``lastFailure`` and the session's reason, not from the read's error kind (as
/// ``CoreNFCReadSession`` does).
///
/// A SELECT by application identifier (`00 A4 04 ..`) of an AID the app did not declare in
/// `com.apple.developer.nfc.readersession.iso7816.select-identifiers` never reaches the card:
/// CoreNFC fails it with `readerErrorSecurityViolation` ("Missing required entitlement"). The
/// transport answers such a SELECT with status 6A82 (not found), so that the core's survey of
/// the applications listed in EF.DIR goes on (the application is then reported absent).
///
/// NOT VERIFIED ON A DEVICE: compiled in CI on Linux against a stub of CoreNFC only.
public final class CoreNFCTransport: NfcTransport, @unchecked Sendable {
    private let tag: any NFCISO7816Tag
    private let linkInfo: TransportInfo
    private let end: SessionEndRecord
    private let lock = NSLock()
    private var failure: NFCReaderError.Code?
    /// How long one command may take before the transport gives up (the chip's own timeouts
    /// are shorter; this is a safety net so the reading thread never hangs).
    public let commandTimeout: TimeInterval

    /// What CoreNFC carries by default: extended-length APDUs (iOS 13+ accepts commands up to
    /// 65,535 data bytes and responses up to 65,536). The chip must support them too; the core
    /// learns that from EF.ATR/INFO and falls back to short APDUs.
    public static let defaultInfo = TransportInfo(
        maxCommandLength: 65_544, maxResponseLength: 65_538, extendedLength: true)

    /// A transport over `tag`, which must already be connected (`NFCTagReaderSession.connect`).
    public convenience init(tag: any NFCISO7816Tag, info: TransportInfo = CoreNFCTransport.defaultInfo,
                            commandTimeout: TimeInterval = 15) {
        self.init(tag: tag, info: info, commandTimeout: commandTimeout, sessionEnd: SessionEndRecord())
    }

    /// A transport that reads the session's end reason from `sessionEnd` (the one its session's
    /// delegate records into).
    init(tag: any NFCISO7816Tag, info: TransportInfo, commandTimeout: TimeInterval, sessionEnd: SessionEndRecord) {
        self.tag = tag
        self.linkInfo = info
        self.commandTimeout = commandTimeout
        self.end = sessionEnd
    }

    /// Tells the transport why its session ended: call it from your
    /// `tagReaderSession(_:didInvalidateWithError:)` with the error iOS gave. Commands failing
    /// afterwards are mapped by that reason (see the type's documentation).
    public func sessionDidInvalidate(with error: any Error) {
        end.record(error)
    }

    /// The CoreNFC code with which CoreNFC failed the LAST command (`readerTransceiveErrorTagNotConnected`
    /// when the tag was no longer available); nil when the last command got an answer, timed
    /// out, or was refused before reaching CoreNFC, and before any command. Each command clears
    /// it: a failure the core absorbed earlier (e.g. "packet too long" on an extended read, after
    /// which it steps down and goes on) is not reported for a read that later fails for the
    /// chip's own reason. A refused SELECT answered with 6A82 is an answer, not a failure.
    public var lastFailure: NFCReaderError.Code? {
        lock.lock()
        defer { lock.unlock() }
        return failure
    }

    private func setFailure(_ code: NFCReaderError.Code?) {
        lock.lock()
        failure = code
        lock.unlock()
    }

    public func info() throws -> TransportInfo { linkInfo }

    public func transceive(apdu: Data) throws -> Data {
        setFailure(nil)
        guard tag.isAvailable else {
            setFailure(.readerTransceiveErrorTagNotConnected)
            throw Self.map(NFCReaderError(.readerTransceiveErrorTagNotConnected), sessionEnd: end.code)
        }
        guard let command = NFCISO7816APDU(data: apdu) else {
            throw TransportError.Io(reason: "CoreNFC refused the command APDU (\(apdu.count) bytes)")
        }
        let done = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        tag.sendCommand(apdu: command) { data, sw1, sw2, error in
            if let error {
                outcome.set(.failure(error))
            } else {
                var response = data
                response.append(contentsOf: [sw1, sw2])
                outcome.set(.success(response))
            }
            done.signal()
        }
        guard done.wait(timeout: .now() + commandTimeout) == .success else {
            throw TransportError.Timeout
        }
        switch outcome.get() {
        case .success(let response):
            return response
        case .failure(let error):
            guard let e = error as? NFCReaderError else {
                throw Self.map(error)
            }
            if e.code == .readerErrorSecurityViolation && Self.isSelectByName(apdu) {
                // An AID the app did not declare: iOS refused to send it. "Not found".
                return Data([0x6A, 0x82])
            }
            setFailure(e.code)
            throw Self.map(e, sessionEnd: end.code)
        }
    }

    /// True for SELECT by DF name (an application identifier): CLA of the interindustry class
    /// (secure messaging bits ignored), INS A4, P1 04.
    static func isSelectByName(_ apdu: Data) -> Bool {
        let b = [UInt8](apdu.prefix(3))
        return b.count == 3 && b[0] & 0xE0 == 0 && b[1] == 0xA4 && b[2] == 0x04
    }

    /// Maps CoreNFC's errors to the transport's, given why the session ended (nil: unknown, or
    /// still running); never includes data.
    static func map(_ error: any Error, sessionEnd: NFCReaderError.Code? = nil) -> TransportError {
        guard let e = error as? NFCReaderError else {
            return .Io(reason: "CoreNFC failure (\(type(of: error)))")
        }
        switch e.code {
        case .readerTransceiveErrorTagConnectionLost:
            return .TagLost
        case .readerTransceiveErrorTagNotConnected,
             .readerTransceiveErrorSessionInvalidated,
             .readerSessionInvalidationErrorUserCanceled,
             .readerSessionInvalidationErrorSessionTimeout,
             .readerSessionInvalidationErrorSessionTerminatedUnexpectedly,
             .readerSessionInvalidationErrorSystemIsBusy,
             .readerSessionInvalidationErrorFirstNDEFTagRead:
            // The session is gone (or going): why decides.
            let reason = sessionEnd ?? (Self.isSessionEnd(e.code) ? e.code : nil)
            switch reason {
            case nil, .readerSessionInvalidationErrorSessionTimeout?:
                return .TagLost
            case .readerSessionInvalidationErrorUserCanceled?:
                return .Cancelled
            case let other?:
                return .Io(reason: "the NFC session ended: \(describe(other))")
            }
        case .readerTransceiveErrorRetryExceeded:
            return .Timeout
        default:
            return .Io(reason: "CoreNFC error \(describe(e.code))")
        }
    }

    /// True for the codes a session's delegate receives when iOS ends the session.
    static func isSessionEnd(_ code: NFCReaderError.Code) -> Bool {
        (200...299).contains(code.rawValue)
    }

    /// A CoreNFC code as a short name and number (safe to log).
    static func describe(_ code: NFCReaderError.Code) -> String {
        // By raw value: the SDK's enum has more cases than the stub's, and a `switch` would
        // warn on one or the other.
        "\(codeNames[code.rawValue] ?? "code") (\(code.rawValue))"
    }

    private static let codeNames: [Int: String] = [
        1: "unsupported feature", 2: "security violation (missing entitlement?)",
        3: "invalid parameter", 4: "invalid parameter length", 5: "parameter out of bound",
        6: "radio disabled",
        100: "tag connection lost", 101: "retry exceeded", 102: "tag response error",
        103: "session invalidated", 104: "tag not connected", 105: "packet too long",
        200: "user cancelled", 201: "session time limit", 202: "session terminated unexpectedly",
        203: "system busy", 204: "first NDEF tag read",
    ]
}

/// Why a reader session ended, recorded by its delegate and read by its transport and by
/// ``CoreNFCReadSession``. Thread-safe; the first reason recorded wins.
final class SessionEndRecord: @unchecked Sendable {
    private let lock = NSLock()
    private var reason: NFCReaderError.Code?
    private var next = 0
    private var waiters: [Int: CheckedContinuation<NFCReaderError.Code?, Never>] = [:]
    private var awaited: (@Sendable () -> Void)?

    /// The reason, nil while the session runs (or before its delegate heard of the end).
    var code: NFCReaderError.Code? {
        lock.lock()
        defer { lock.unlock() }
        return reason
    }

    /// Records `error` (a non-CoreNFC error counts as "terminated unexpectedly").
    func record(_ error: any Error) {
        let code = (error as? NFCReaderError)?.code ?? .readerSessionInvalidationErrorSessionTerminatedUnexpectedly
        lock.lock()
        if reason == nil { reason = code }
        let recorded = reason
        let all = Array(waiters.values)
        waiters.removeAll()
        lock.unlock()
        for w in all { w.resume(returning: recorded) }
    }

    /// Calls `hook` once, when a ``wait(upTo:)`` begins without a reason (after its waiter is
    /// registered): lets the tests deliver a late reason exactly then.
    func whenAwaited(_ hook: @escaping @Sendable () -> Void) {
        lock.lock()
        awaited = hook
        lock.unlock()
    }

    /// The reason, waiting up to `seconds` for it (the completion handler of a failed command
    /// may run before the delegate hears why the session ended). Each waiter resumes once.
    func wait(upTo seconds: TimeInterval) async -> NFCReaderError.Code? {
        await withCheckedContinuation { (cont: CheckedContinuation<NFCReaderError.Code?, Never>) in
            lock.lock()
            if let reason {
                lock.unlock()
                cont.resume(returning: reason)
                return
            }
            let id = next
            next += 1
            waiters[id] = cont
            let hook = awaited
            awaited = nil
            lock.unlock()
            hook?()
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
                lock.lock()
                let w = waiters.removeValue(forKey: id)
                lock.unlock()
                w?.resume(returning: nil)
            }
        }
    }
}

/// The result of one command, handed from CoreNFC's queue to the reading thread.
private final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<Data, any Error> = .failure(TransportError.Timeout)

    func set(_ v: Result<Data, any Error>) {
        lock.lock()
        value = v
        lock.unlock()
    }

    func get() -> Result<Data, any Error> {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
#endif
