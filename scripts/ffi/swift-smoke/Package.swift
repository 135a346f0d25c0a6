// swift-tools-version:6.0
import PackageDescription

// A minimal package that proves, on Linux, that the generated Swift bindings compile in Swift 6
// language mode and read the virtual CNIE through a transport written in Swift. scripts/ffi/swift.sh
// copies it to target/ffi/swift-smoke and drops the generated monid.swift and monidFFI.h in.
// The real package lives in ios/ (same layout: a systemLibrary `monidFFI` + the generated file).
let package = Package(
    name: "MonidSmoke",
    targets: [
        .systemLibrary(name: "monidFFI", path: "Sources/monidFFI"),
        .target(name: "Monid", dependencies: ["monidFFI"], path: "Sources/Monid"),
        .testTarget(name: "MonidSmokeTests", dependencies: ["Monid"], path: "Tests/MonidSmokeTests"),
    ]
)
