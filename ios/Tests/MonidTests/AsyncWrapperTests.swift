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
    func testATaskCancelledBeforeTheCallNeverStartsIt() async throws {
        let ran = Flag()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await RustThread.run(name: "test") { ran.set(); return 1 }
        }
        do {
            _ = try await task.value
            XCTFail("expected CancellationError")
        } catch is CancellationError {}
        try await Task.sleep(nanoseconds: 50_000_000)
        XCTAssertFalse(ran.isSet)
    }

    /// Rust cannot be interrupted: a cancel while the call runs returns at once, and the call
    /// finishes on its thread with its result dropped.
    func testACancelWhileTheCallRunsReturnsAtOnce() async throws {
        let started = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let finished = Flag()
        let task = Task {
            try await RustThread.run(name: "test") { () -> Int in
                started.signal()
                release.wait()
                finished.set()
                return 7
            }
        }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { started.wait(); c.resume() }
        }
        task.cancel()
        let ended = await outcome(of: task, within: 2)
        guard case .failure(let e)? = ended else { return XCTFail("\(String(describing: ended))") }
        XCTAssertTrue(e is CancellationError, "\(e)")
        XCTAssertFalse(finished.isSet, "returned before the work ended")
        release.signal()
        for _ in 0..<200 where !finished.isSet { try await Task.sleep(nanoseconds: 5_000_000) }
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
