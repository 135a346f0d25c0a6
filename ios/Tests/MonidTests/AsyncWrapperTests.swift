import Dispatch
import Foundation
import XCTest
@testable import Monid
#if canImport(Glibc)
import Glibc
#endif

/// The async wrappers of the long generated calls, and the stack size of the threads that run
/// Rust.
final class AsyncWrapperTests: XCTestCase {
    func testVerifyAndFacePixelsAsyncGiveWhatTheBlockingCallsGive() async throws {
        let card = VirtualCard.cnie()
        let doc = try await MonidReader(key: AccessKey.can(can: card.can())).read(transport: ForwardingTransport(card))
        let trust = Fixture.trust()
        let report = try await doc.verifyAsync(trustStore: trust, nowUnixSeconds: Fixture.now)
        XCTAssertEqual(report.verdict, .valid)
        XCTAssertEqual(report, doc.verify(trustStore: trust, nowUnixSeconds: Fixture.now))
        let face = try await doc.facePixelsAsync()
        let pixels = try XCTUnwrap(face)
        XCTAssertEqual(pixels, try doc.facePixels())
        XCTAssertEqual(pixels.rgb.count, Int(pixels.width) * Int(pixels.height) * 3)
        // The default clock is the device's: the test PKI is valid today too, or not; it runs.
        _ = try await doc.verifyAsync(trustStore: trust)
    }

    func testAddMasterListAsyncLoadsTheTestMasterList() async throws {
        let root = URL(fileURLWithPath: try XCTUnwrap(ProcessInfo.processInfo.environment["MONID_TEST_VECTORS"]))
        let ml = try Data(contentsOf: root.appendingPathComponent("pki/masterlist/masterlist.ml"))
        let anchor = try Data(contentsOf: root.appendingPathComponent("pki/certs/csca-uto-old.der"))
        let store = TrustStore()
        let report = try await store.addMasterListAsync(cms: ml, anchorDer: anchor)
        XCTAssertEqual(report.masterListVerified, true)
        XCTAssertEqual(report.added, 4)
        XCTAssertEqual(store.certificateCount(), 4)
        let again = try await TrustStore().addMasterListAsync(cms: Data("not a master list".utf8))
        XCTAssertEqual(again.added, 0)
        XCTAssertFalse(again.skipped.isEmpty)
    }

    func testScanChallengeAsyncScansAndRefusesAForgery() async throws {
        let t = ReceiptTests.now()
        let v = try ReceiptTests.verifier()
        let issued = try v.issueChallenge(spec: ReceiptTests.spec([(.names, .chipVerifiable)]), nowUnixSeconds: t)
        let trust = try ReceiptTests.phoneTrust()
        let scanned = try await scanChallengeAsync(text: issued.qrText, trust: trust, nowUnixSeconds: t)
        let blocking = try scanChallenge(text: issued.qrText, trust: trust, nowUnixSeconds: t, skewSeconds: 120)
        XCTAssertEqual(scanned.rpId(), blocking.rpId())
        XCTAssertEqual(scanned.confirmationCode(), blocking.confirmationCode())
        _ = try await scanChallengeAsync(text: issued.qrText, trust: trust, nowUnixSeconds: t, strict: true)
        do {
            _ = try await scanChallengeAsync(text: issued.qrText, trust: trust, nowUnixSeconds: t + 86_400 * 365, strict: true)
            XCTFail("expected Expired")
        } catch let e as ChallengeError {
            guard case .Expired = e else { return XCTFail("\(e)") }
        }
        do {
            _ = try await scanChallengeAsync(text: "hello", trust: trust)
            XCTFail("expected a ChallengeError")
        } catch is ChallengeError {}
    }

    func testATaskCancelledBeforeTheCallNeverStartsIt() async throws {
        // The threads `run` starts, counted: it starts its thread before it returns, or never,
        // so once it has returned the count is final (no sleep, nothing to race).
        let started = Counter()
        let counting: @Sendable (String, @escaping @Sendable () -> Void) -> Void = { name, body in
            started.increment()
            RustThread.start(name: name, body)
        }
        let cancelled = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await RustThread.run(name: "test", startingWith: counting) { 1 }
        }
        do {
            _ = try await cancelled.value
            XCTFail("expected CancellationError")
        } catch is CancellationError {}
        XCTAssertEqual(started.value, 0, "a thread was started for a task already cancelled")
        // The same call in a task not cancelled starts one thread (the count is meaningful).
        let ran = try await Task { try await RustThread.run(name: "test", startingWith: counting) { 2 } }.value
        XCTAssertEqual(ran, 2)
        XCTAssertEqual(started.value, 1)

        let card = VirtualCard.cnie()
        let doc = try await MonidReader(key: AccessKey.can(can: card.can())).read(transport: ForwardingTransport(card))
        let verify = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await doc.verifyAsync(trustStore: Fixture.trust(), nowUnixSeconds: Fixture.now)
        }
        do {
            _ = try await verify.value
            XCTFail("expected cancelled")
        } catch let e as MonidReaderError {
            XCTAssertEqual(e.kind, .cancelled)
        }
    }

    /// Rust cannot be interrupted: a cancel while the call runs returns at once, and the call
    /// finishes on its thread with its result dropped.
    func testACancelWhileTheCallRunsReturnsAtOnce() async throws {
        let started = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let ended = DispatchSemaphore(value: 0)
        let finished = Flag()
        let task = Task {
            try await RustThread.run(name: "test") { () -> Int in
                started.signal()
                release.wait()
                finished.set()
                ended.signal()
                return 7
            }
        }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { started.wait(); c.resume() }
        }
        task.cancel()
        // The work blocks until `release`, which comes only after the task ended: a task that
        // waited for its work would never end (the bound only catches that hang).
        let result = await outcome(of: task, within: 30)
        guard case .failure(let e)? = result else { return XCTFail("\(String(describing: result))") }
        XCTAssertTrue(e is CancellationError, "\(e)")
        XCTAssertFalse(finished.isSet, "returned before the work ended")
        release.signal()
        // The work still finishes on its thread (waited for off the cooperative pool).
        let done = await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            DispatchQueue.global().async { c.resume(returning: ended.wait(timeout: .now() + 30) == .success) }
        }
        XCTAssertTrue(done, "the work did not finish after its release")
        XCTAssertTrue(finished.isSet)
    }

    #if canImport(Glibc)
    /// The stack of the calling thread, in bytes (what pthread reports, guard excluded).
    static func stackSize() -> Int {
        // pthread_getattr_np is a GNU extension the Glibc module does not import: by name.
        typealias GetAttr = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32
        guard let symbol = dlsym(nil, "pthread_getattr_np") else { return -1 }
        let getattr = unsafeBitCast(symbol, to: GetAttr.self)
        var attr = pthread_attr_t()
        guard getattr(pthread_self(), &attr) == 0 else { return -1 }
        defer { pthread_attr_destroy(&attr) }
        var size = 0
        pthread_attr_getstacksize(&attr, &size)
        return size
    }

    static func assertAbout4MiB(_ size: Int, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertGreaterThanOrEqual(size, 4 << 20 - 64 << 10, what, file: file, line: line)
        XCTAssertLessThanOrEqual(size, 4 << 20 + 64 << 10, what, file: file, line: line)
    }

    /// Every thread that runs Rust has the 4 MiB stack set explicitly (iOS would give it
    /// 512 KiB; Linux 8 MiB, so "about 4 MiB" proves the setting is applied).
    func testTheThreadsThatRunRustHaveA4MiBStack() async throws {
        XCTAssertEqual(RustThread.stackSize, 4 << 20)
        let fromRun = try await RustThread.run(name: "test") { Self.stackSize() }
        Self.assertAbout4MiB(fromRun, "RustThread.run")

        let card = VirtualCard.cnie()
        let readStack = StackProbe()
        let doc = try await MonidReader(key: AccessKey.can(can: card.can()))
            .read(transport: ForwardingTransport(card) { _ in readStack.record(Self.stackSize()) })
        Self.assertAbout4MiB(readStack.value, "the read's thread (in transceive)")

        let (_, scanned, keys, receiptDoc, t) = try await ReceiptTests.prepared()
        let signStack = StackProbe()
        let store = ScriptedKeyStore(keys) { signStack.record(Self.stackSize()) }
        _ = try await MonidReceipts.create(
            challenge: scanned, document: receiptDoc, faceMatch: ReceiptTests.face(900), liveCapture: Data([1]),
            keyStore: store, alias: "device", nowUnixSeconds: t)
        Self.assertAbout4MiB(signStack.value, "the receipt's thread (in sign)")
        _ = doc
    }
    #endif
}

/// The last stack size a callback recorded.
final class StackProbe: @unchecked Sendable {
    private let lock = NSLock()
    private var size = -1
    var value: Int { lock.lock(); defer { lock.unlock() }; return size }
    func record(_ s: Int) { lock.lock(); size = s; lock.unlock() }
}
