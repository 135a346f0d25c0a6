import Foundation
import XCTest
@testable import Monid

/// The test's transport, written in Swift: forwards each APDU to the virtual card.
final class ForwardingTransport: NfcTransport, @unchecked Sendable {
    let card: VirtualCard
    private let lock = NSLock()
    private var count = 0
    var apdus: Int { lock.lock(); defer { lock.unlock() }; return count }
    init(_ card: VirtualCard) { self.card = card }
    func transceive(apdu: Data) throws -> Data {
        lock.lock(); count += 1; lock.unlock()
        return try card.process(apdu: apdu)
    }
    func info() throws -> TransportInfo { card.info() }
}

final class SmokeTests: XCTestCase {
    func testFullReadOfTheVirtualCnie() throws {
        let card = VirtualCard.cnie()
        let transport = ForwardingTransport(card)
        let reader = try DocumentReader(key: try AccessKey.can(can: card.can()), options: defaultReadOptions())
        let doc = try reader.read(transport: transport, listener: nil)
        XCTAssertEqual(doc.summary().issuingState?.value(), "UTO")
        XCTAssertEqual(doc.stats().apdus, UInt64(transport.apdus))
        let store = TrustStore()
        XCTAssertEqual(store.addPemBundle(pem: virtualCardTrustAnchorsPem()).added, 3)
        XCTAssertEqual(doc.verify(trustStore: store, nowUnixSeconds: 1_764_000_000).verdict, .valid)
    }

    func testWrongCan() throws {
        let card = VirtualCard.cnie()
        let wrong = card.can() == "123456" ? "654321" : "123456"
        let reader = try DocumentReader(key: try AccessKey.can(can: wrong), options: defaultReadOptions())
        XCTAssertThrowsError(try reader.read(transport: ForwardingTransport(card), listener: nil)) { e in
            guard case MonidError.WrongAccessKey = e else { return XCTFail("\(e)") }
        }
    }
}
