import Foundation
import XCTest
@testable import Monid

/// The scenarios in Swift, against the virtual CNIE, through transports written in Swift
/// (the same scenarios as android/src/test/kotlin/org/monid/VirtualCnieTest.kt).
final class VirtualCnieTests: XCTestCase {
    private func fullApduCount() async throws -> Int {
        let card = VirtualCard.cnie()
        let t = ForwardingTransport(card)
        _ = try await MonidReader(key: AccessKey.can(can: card.can())).read(transport: t)
        return t.apdus
    }

    func testFullReadOfTheVirtualCnieThroughASwiftTransport() async throws {
        let card = VirtualCard.cnie()
        let transport = ForwardingTransport(card)
        let reader = try MonidReader(key: AccessKey.can(can: card.can()))
        let updates = reader.progressUpdates()
        let collector = Task { () -> [ReadProgress] in
            var seen: [ReadProgress] = []
            for await p in updates { seen.append(p) }
            return seen
        }
        let doc = try await reader.read(transport: transport)
        reader.finishProgress()
        let seen = await collector.value

        let s = doc.summary()
        XCTAssertEqual(s.issuingState?.value(), "UTO")
        XCTAssertNotNil(s.surname?.value())
        XCTAssertEqual(s.surname?.file(), .dg1)
        XCTAssertEqual(s.surname?.verification(), .notChecked)
        let link = doc.link()
        XCTAssertEqual(link.protocol, .pace)
        XCTAssertTrue(link.paceProtocol?.hasPrefix("id-PACE-ECDH-GM") ?? false, "\(link)")
        let stats = doc.stats()
        XCTAssertEqual(stats.apdus, UInt64(transport.apdus))
        XCTAssertEqual(stats.calls, 1)
        XCTAssertTrue(doc.files().contains { $0.file == .dg2 && ($0.length ?? 0) > 32_000 })
        XCTAssertEqual(doc.problems(), [])

        // Progress arrived through the AsyncStream, DG2 included.
        XCTAssertFalse(seen.isEmpty)
        XCTAssertTrue(seen.contains { $0.step == .readFile && $0.file == .dg2 && $0.fileBytes > 0 })
        // The blocking read never ran on the main thread. (Its thread is named "monid-read", but
        // Linux Foundation does not report that name reliably, so the name is not checked.)
        XCTAssertTrue(transport.alwaysOffMain)

        let report = doc.verify(trustStore: Fixture.trust(), nowUnixSeconds: Fixture.now)
        XCTAssertEqual(report.verdict, .valid, "\(report.checks)")
        XCTAssertEqual(doc.summary().surname?.verification(), .verified)
        XCTAssertEqual(doc.chipEvidence().chipAuthentication, .passed)
        XCTAssertEqual(doc.chipEvidence().activeAuthentication, .passed)
        guard case .proven = doc.chipGenuine() else { return XCTFail("\(doc.chipGenuine())") }

        XCTAssertEqual(doc.summary().face?.format, .jpeg2000)
        let px = try XCTUnwrap(try doc.facePixels())
        XCTAssertGreaterThan(px.width, 0)
        XCTAssertGreaterThan(px.height, 0)
        XCTAssertEqual(Int(px.width) * Int(px.height) * 3, px.rgb.count)
    }

    func testPaceWithAWrongCanIsAWrongAccessKey() async throws {
        let card = VirtualCard.cnie()
        let wrong = Fixture.wrongCan(for: card)
        let reader = try MonidReader(key: AccessKey.can(can: wrong))
        do {
            _ = try await reader.read(transport: ForwardingTransport(card))
            XCTFail("read succeeded with a wrong CAN")
        } catch let e as MonidReaderError {
            XCTAssertEqual(e.kind, .wrongAccessKey, "\(e)")
            guard case .wrongAccessKey = e else { return XCTFail("\(e)") }
            XCTAssertFalse(e.message.contains(wrong))
            XCTAssertFalse(e.isResumable)
        }
    }

    func testInvalidInputIsTyped() throws {
        XCTAssertThrowsError(try AccessKey.can(can: "12345")) { e in
            guard case MonidError.InvalidInput = e else { return XCTFail("\(e)") }
            XCTAssertEqual(MonidReaderError(e).kind, .invalidInput)
        }
        var opts = defaultReadOptions()
        opts.activeAuthenticationChallenge = Data([1, 2, 3])
        let card = VirtualCard.cnie()
        XCTAssertThrowsError(try MonidReader(key: AccessKey.can(can: card.can()), options: opts)) { e in
            guard case MonidReaderError.invalidInput = e else { return XCTFail("\(e)") }
        }
    }

    func testTagLostInsideDg2ThenAResumedReadSendsFewerApdus() async throws {
        let fullApdus = try await fullApduCount()

        let card = VirtualCard.cnie()
        let reader = try DocumentReader(key: AccessKey.can(can: card.can()), options: defaultReadOptions())
        let watch = Dg2Watch(threshold: 8_000)
        // The Swift transport itself throws TagLost once DG2 is partly read.
        let first = LosingTransport(card) { watch.reached.isSet }
        XCTAssertThrowsError(try reader.read(transport: first, listener: watch)) { e in
            guard case MonidError.TagLost = e else { return XCTFail("\(e)") }
        }
        let partial = reader.bytesSoFar(file: .dg2)
        XCTAssertTrue((8_000...40_000).contains(partial), "DG2 partly read: \(partial)")
        XCTAssertFalse(reader.isComplete(file: .dg2))

        // The user presents the card again: a new tag discovery and a fresh transport.
        card.reconnect()
        let second = ForwardingTransport(card)
        let doc = try reader.read(transport: second, listener: nil)
        XCTAssertLessThan(second.apdus, fullApdus, "resumed \(second.apdus) < full \(fullApdus)")
        XCTAssertEqual(doc.stats().calls, 2)
        // The core counts the APDU that the transport refused with TagLost too.
        XCTAssertEqual(doc.stats().apdus, UInt64(first.attempts + second.apdus))
        XCTAssertEqual(doc.verify(trustStore: Fixture.trust(), nowUnixSeconds: Fixture.now).verdict, .valid)
        XCTAssertEqual(doc.files().first { $0.file == .dg2 }?.completedInCall, 2)
    }

    func testAsyncReaderResumesAfterTagLostWithFewerApdus() async throws {
        let fullApdus = try await fullApduCount()
        let card = VirtualCard.cnie()
        let reader = try MonidReader(key: AccessKey.can(can: card.can()))
        let delivered = Counter()
        // Lose the tag three quarters of the way through (DG2 is most of the read).
        let lossAt = fullApdus * 3 / 4
        let first = LosingTransport(card) {
            delivered.increment()
            return delivered.value > lossAt
        }
        do {
            _ = try await reader.read(transport: first)
            XCTFail("expected tag lost")
        } catch let e as MonidReaderError {
            XCTAssertEqual(e.kind, .tagLost, "\(e)")
            XCTAssertTrue(e.isResumable)
        }
        XCTAssertGreaterThan(reader.bytesSoFar(.dg2), 0)
        card.reconnect()
        let second = ForwardingTransport(card)
        let doc = try await reader.read(transport: second)
        XCTAssertLessThan(second.apdus, fullApdus)
        XCTAssertEqual(doc.stats().calls, 2)
        XCTAssertTrue(reader.isComplete(.dg2))
        XCTAssertEqual(doc.verify(trustStore: Fixture.trust(), nowUnixSeconds: Fixture.now).verdict, .valid)
    }

    func testCancellationFromAnotherThreadStopsWithinOneApdu() throws {
        let card = VirtualCard.cnie()
        let reader = try DocumentReader(key: AccessKey.can(can: card.can()), options: defaultReadOptions())
        let token = reader.cancellationToken()
        let reached = DispatchSemaphore(value: 0)
        let cancelled = DispatchSemaphore(value: 0)
        let cancelAt = 25
        let transport = ForwardingTransport(card) { i in
            if i == cancelAt {
                reached.signal()
                // Hold this APDU until the other thread has cancelled.
                _ = cancelled.wait(timeout: .now() + 10)
            }
        }
        let outcome = ErrorBox()
        let done = DispatchSemaphore(value: 0)
        let worker = Thread {
            do { _ = try reader.read(transport: transport, listener: nil) } catch { outcome.set(error) }
            done.signal()
        }
        worker.start()
        XCTAssertEqual(reached.wait(timeout: .now() + 30), .success)
        let canceller = Thread { token.cancel(); cancelled.signal() }
        canceller.start()
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        guard case MonidError.Cancelled? = outcome.get() else { return XCTFail("\(String(describing: outcome.get()))") }
        // The APDU in flight when cancel() was called is the last one sent.
        XCTAssertEqual(transport.apdus, cancelAt + 1)
    }

    func testCancellingTheTaskCancelsTheRead() async throws {
        let card = VirtualCard.cnie()
        let reader = try MonidReader(key: AccessKey.can(can: card.can()))
        let reached = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let transport = ForwardingTransport(card) { i in
            if i == 10 {
                reached.signal()
                _ = release.wait(timeout: .now() + 10)
            }
        }
        let task = Task { try await reader.read(transport: transport) }
        // Wait off the cooperative pool for APDU 10 to be in flight.
        let ok = await withCheckedContinuation { cont in
            Thread { cont.resume(returning: reached.wait(timeout: .now() + 30)) }.start()
        }
        XCTAssertEqual(ok, .success)
        task.cancel()
        release.signal()
        do {
            _ = try await task.value
            XCTFail("expected cancelled")
        } catch let e as MonidReaderError {
            XCTAssertEqual(e.kind, .cancelled, "\(e)")
        }
        XCTAssertEqual(transport.apdus, 11)
    }

    func testMonidReaderCancelFromAnotherThread() async throws {
        let card = VirtualCard.cnie()
        let reader = try MonidReader(key: AccessKey.can(can: card.can()))
        let transport = ForwardingTransport(card) { i in
            if i == 15 {
                // Another thread cancels while this APDU is in flight.
                let cancelled = DispatchSemaphore(value: 0)
                Thread { reader.cancel(); cancelled.signal() }.start()
                _ = cancelled.wait(timeout: .now() + 10)
            }
        }
        do {
            _ = try await reader.read(transport: transport)
            XCTFail("expected cancelled")
        } catch let e as MonidReaderError {
            XCTAssertEqual(e, .cancelled(e.message))
        }
        XCTAssertEqual(transport.apdus, 16)
        // A cancelled reader reads again (the next read clears the cancellation).
        card.reconnect()
        let doc = try await reader.read(transport: ForwardingTransport(card))
        XCTAssertEqual(doc.summary().issuingState?.value(), "UTO")
    }

    func testAThrowingProgressListenerDoesNotStopTheRead() throws {
        let card = VirtualCard.cnie()
        let listener = ThrowingListener()
        let reader = try DocumentReader(key: AccessKey.can(can: card.can()), options: defaultReadOptions())
        let doc = try reader.read(transport: ForwardingTransport(card), listener: listener)
        XCTAssertGreaterThan(listener.calls.value, 0)
        XCTAssertEqual(doc.stats().listenerFailures, UInt64(listener.calls.value))
        XCTAssertEqual(doc.summary().issuingState?.value(), "UTO")
    }

    func testATransportThrowingAnUnexpectedErrorIsATypedErrorAndTheReadCanResume() async throws {
        let card = VirtualCard.cnie()
        let reader = try MonidReader(key: AccessKey.can(can: card.can()))
        let buggy = ForwardingTransport(card) { i in if i == 30 { throw TransportBug() } }
        do {
            _ = try await reader.read(transport: buggy)
            XCTFail("expected an error")
        } catch let e as MonidReaderError {
            guard case .internal(let m) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(m.contains("TransportBug"), m)
        }
        // No crash, and the same reader still works with a sane transport.
        card.reconnect()
        let doc = try await reader.read(transport: ForwardingTransport(card))
        XCTAssertEqual(doc.summary().issuingState?.value(), "UTO")
    }

    func testATransportWhoseInfoThrowsFallsBackToShortApdus() throws {
        final class NoInfo: NfcTransport, @unchecked Sendable {
            let card: VirtualCard
            init(_ card: VirtualCard) { self.card = card }
            func transceive(apdu: Data) throws -> Data { try card.process(apdu: apdu) }
            func info() throws -> TransportInfo { throw TransportBug() }
        }
        let card = VirtualCard.cnie()
        let doc = try DocumentReader(key: AccessKey.can(can: card.can()), options: defaultReadOptions())
            .read(transport: NoInfo(card), listener: nil)
        XCTAssertFalse(doc.link().extendedLength)
        XCTAssertEqual(doc.summary().issuingState?.value(), "UTO")
    }

    func testErrorMappingCoversEveryKind() {
        let pairs: [(MonidError, ErrorKind)] = [
            (.TagLost(message: "a"), .tagLost), (.WrongAccessKey(message: "b"), .wrongAccessKey),
            (.UnsupportedDocument(message: "c"), .unsupportedDocument), (.Cancelled(message: "d"), .cancelled),
            (.Timeout(message: "e"), .timeout), (.ChipMisbehaved(message: "f"), .chipMisbehaved),
            (.InvalidInput(message: "g"), .invalidInput), (.Internal(message: "h"), .internal),
        ]
        for (generated, kind) in pairs {
            let e = MonidReaderError(generated)
            XCTAssertEqual(e.kind, kind)
            XCTAssertEqual(MonidReaderError(e), e)
        }
        XCTAssertEqual(MonidReaderError(CancellationError()).kind, .cancelled)
        XCTAssertEqual(MonidReaderError(TransportBug()), .internal("unexpected failure: TransportBug"))
    }
}

/// Holds the error a worker thread caught.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var error: (any Error)?
    func set(_ e: any Error) { lock.lock(); error = e; lock.unlock() }
    func get() -> (any Error)? { lock.lock(); defer { lock.unlock() }; return error }
}
