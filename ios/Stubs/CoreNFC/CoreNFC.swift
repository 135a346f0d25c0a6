// A stub of the few CoreNFC APIs that Sources/Monid/Platform/CoreNFC*.swift use, so that those
// files type-check on Linux in CI (Package.swift adds this module on Linux only). Signatures
// follow the iOS 15+ SDK as imported into Swift. Nothing here talks to hardware: a session
// forwards its calls to a test's `StubNFCSessionDriver` (non-SDK, below), which plays the part
// of iOS; without one no session can be created. Keep it minimal: add a declaration only when
// the platform code needs it; non-SDK helpers are named `stub...` / `Stub...`.
import Dispatch
import Foundation

/// CoreNFC's error (bridged NSError in the SDK).
public struct NFCReaderError: Error {
    public enum Code: Int, Sendable {
        case readerErrorUnsupportedFeature = 1
        case readerErrorSecurityViolation = 2
        case readerErrorInvalidParameter = 3
        case readerTransceiveErrorTagConnectionLost = 100
        case readerTransceiveErrorRetryExceeded = 101
        case readerTransceiveErrorTagResponseError = 102
        case readerTransceiveErrorSessionInvalidated = 103
        case readerTransceiveErrorTagNotConnected = 104
        case readerTransceiveErrorPacketTooLong = 105
        case readerSessionInvalidationErrorUserCanceled = 200
        case readerSessionInvalidationErrorSessionTimeout = 201
        case readerSessionInvalidationErrorSessionTerminatedUnexpectedly = 202
        case readerSessionInvalidationErrorSystemIsBusy = 203
        case readerSessionInvalidationErrorFirstNDEFTagRead = 204
    }
    public let code: Code
    public init(_ code: Code) { self.code = code }
}

/// An ISO 7816-4 command APDU.
open class NFCISO7816APDU: NSObject {
    /// NOT an SDK API: the stub keeps the encoded command so that a test's fake tag can forward
    /// it (the SDK exposes the parsed fields instead).
    public let stubEncoded: Data

    public init?(data: Data) {
        guard data.count >= 4 else { return nil }
        stubEncoded = data
    }
}

/// An ISO 7816 tag (a protocol of NSObject-based classes in the SDK).
public protocol NFCISO7816Tag: NSObjectProtocol {
    var isAvailable: Bool { get }
    var identifier: Data { get }
    var initialSelectedAID: String { get }
    func sendCommand(apdu: NFCISO7816APDU, completionHandler: @escaping (Data, UInt8, UInt8, (any Error)?) -> Void)
}

/// A MIFARE tag (only to make `switch` over `NFCTag` non-trivial).
public protocol NFCMiFareTag: NSObjectProtocol {}

/// A detected tag.
public enum NFCTag {
    case iso7816(any NFCISO7816Tag)
    case miFare(any NFCMiFareTag)
}

open class NFCReaderSession: NSObject {
    open class var readingAvailable: Bool { StubNFC.driver != nil }
    /// The session holds its delegate weakly, as in the SDK.
    public private(set) weak var delegate: AnyObject?
    /// The queue of the delegate callbacks and completion handlers.
    public let sessionQueue: DispatchQueue
    private let stubLock = NSLock()
    private var stubAlert = ""

    init(stubDelegate: AnyObject, queue: DispatchQueue) {
        self.delegate = stubDelegate
        self.sessionQueue = queue
    }

    open var alertMessage: String {
        get { stubLock.lock(); defer { stubLock.unlock() }; return stubAlert }
        set { stubLock.lock(); stubAlert = newValue; stubLock.unlock() }
    }
    open var isReady: Bool { false }
    open func begin() {}
    open func invalidate() {}
    open func invalidate(errorMessage: String) {}
}

public protocol NFCTagReaderSessionDelegate: NSObjectProtocol {
    func tagReaderSessionDidBecomeActive(_ session: NFCTagReaderSession)
    func tagReaderSession(_ session: NFCTagReaderSession, didInvalidateWithError error: any Error)
    func tagReaderSession(_ session: NFCTagReaderSession, didDetect tags: [NFCTag])
}

open class NFCTagReaderSession: NFCReaderSession {
    public struct PollingOption: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let iso14443 = PollingOption(rawValue: 1)
        public static let iso15693 = PollingOption(rawValue: 2)
        public static let iso18092 = PollingOption(rawValue: 4)
        public static let pace = PollingOption(rawValue: 8)
    }

    private let stubDriver: any StubNFCSessionDriver

    /// nil unless a test installed a ``StubNFC/driver`` (as on a device without NFC).
    public init?(pollingOption: PollingOption, delegate: any NFCTagReaderSessionDelegate, queue: DispatchQueue? = nil) {
        guard let driver = StubNFC.driver else { return nil }
        stubDriver = driver
        super.init(stubDelegate: delegate, queue: queue ?? DispatchQueue(label: "stub.corenfc.session"))
    }

    open var connectedTag: NFCTag? { nil }
    open override func begin() { stubDriver.begin(self) }
    open override func invalidate() { stubDriver.invalidate(self, errorMessage: nil) }
    open override func invalidate(errorMessage: String) { stubDriver.invalidate(self, errorMessage: errorMessage) }
    open func restartPolling() { stubDriver.restartPolling(self) }
    open func connect(to tag: NFCTag, completionHandler: @escaping ((any Error)?) -> Void) {
        stubDriver.connect(self, to: tag, completionHandler: completionHandler)
    }
}

/// NOT an SDK API: what a test installs (``StubNFC/driver``) to play the part of iOS for
/// `NFCTagReaderSession`: it receives the session's calls and answers through the session's
/// delegate on `sessionQueue`, as CoreNFC does. Without a driver no session can be created and
/// `readingAvailable` is false.
public protocol StubNFCSessionDriver: AnyObject, Sendable {
    func begin(_ session: NFCTagReaderSession)
    func invalidate(_ session: NFCTagReaderSession, errorMessage: String?)
    func restartPolling(_ session: NFCTagReaderSession)
    func connect(_ session: NFCTagReaderSession, to tag: NFCTag, completionHandler: @escaping ((any Error)?) -> Void)
}

/// NOT an SDK API: the stub's global state (tests install and remove the driver).
public enum StubNFC {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var current: (any StubNFCSessionDriver)?

    public static var driver: (any StubNFCSessionDriver)? {
        get { lock.lock(); defer { lock.unlock() }; return current }
        set { lock.lock(); current = newValue; lock.unlock() }
    }
}
