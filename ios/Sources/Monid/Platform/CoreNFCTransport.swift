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
/// Errors: a lost tag, a session that iOS ended (about 20 s after it began) or a tag that is no
/// longer connected throw `TransportError.TagLost`, so the reader can resume in a new session
/// (``CoreNFCReadSession`` does this); the user dismissing the sheet throws
/// `TransportError.Cancelled`; no answer within ``commandTimeout`` throws
/// `TransportError.Timeout`. Error texts never contain APDU bytes.
///
/// NOT VERIFIED ON A DEVICE: compiled in CI on Linux against a stub of CoreNFC only.
public final class CoreNFCTransport: NfcTransport, @unchecked Sendable {
    private let tag: any NFCISO7816Tag
    private let linkInfo: TransportInfo
    /// How long one command may take before the transport gives up (the chip's own timeouts
    /// are shorter; this is a safety net so the reading thread never hangs).
    public let commandTimeout: TimeInterval

    /// What CoreNFC carries by default: extended-length APDUs (iOS 13+ accepts commands up to
    /// 65,535 data bytes and responses up to 65,536). The chip must support them too; the core
    /// learns that from EF.ATR/INFO and falls back to short APDUs.
    public static let defaultInfo = TransportInfo(
        maxCommandLength: 65_544, maxResponseLength: 65_538, extendedLength: true)

    /// A transport over `tag`, which must already be connected (`NFCTagReaderSession.connect`).
    public init(tag: any NFCISO7816Tag, info: TransportInfo = CoreNFCTransport.defaultInfo,
                commandTimeout: TimeInterval = 15) {
        self.tag = tag
        self.linkInfo = info
        self.commandTimeout = commandTimeout
    }

    public func info() throws -> TransportInfo { linkInfo }

    public func transceive(apdu: Data) throws -> Data {
        guard tag.isAvailable else { throw TransportError.TagLost }
        guard let command = NFCISO7816APDU(data: apdu) else {
            throw TransportError.Io(reason: "CoreNFC refused the command APDU (\(apdu.count) bytes)")
        }
        let done = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        tag.sendCommand(apdu: command) { data, sw1, sw2, error in
            if let error {
                outcome.set(.failure(CoreNFCTransport.map(error)))
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
        return try outcome.get().get()
    }

    /// Maps CoreNFC's errors to the transport's; never includes data.
    static func map(_ error: any Error) -> TransportError {
        guard let e = error as? NFCReaderError else {
            return .Io(reason: "CoreNFC failure (\(type(of: error)))")
        }
        switch e.code {
        case .readerTransceiveErrorTagConnectionLost,
             .readerTransceiveErrorTagNotConnected,
             .readerTransceiveErrorSessionInvalidated,
             .readerSessionInvalidationErrorSessionTimeout,
             .readerSessionInvalidationErrorSessionTerminatedUnexpectedly,
             .readerSessionInvalidationErrorSystemIsBusy:
            return .TagLost
        case .readerSessionInvalidationErrorUserCanceled:
            return .Cancelled
        case .readerTransceiveErrorRetryExceeded:
            return .Timeout
        default:
            return .Io(reason: "CoreNFC error \(e.code.rawValue)")
        }
    }
}

/// The result of one command, handed from CoreNFC's queue to the reading thread.
private final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<Data, TransportError> = .failure(.Timeout)

    func set(_ v: Result<Data, TransportError>) {
        lock.lock()
        value = v
        lock.unlock()
    }

    func get() -> Result<Data, TransportError> {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
#endif
