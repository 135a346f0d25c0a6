// swift-tools-version:6.0
//
// monid for iOS: the Swift shell over the Rust core (uniffi bindings).
//
// Two ways to get the Rust library:
// - Apple platforms (release): `MonidFFI.xcframework`, a binary target built by
//   scripts/ios/build-xcframework.sh (static libmonid.a for iOS device, iOS simulator arm64 and
//   x86_64, with the generated header and module map of module `monidFFI`). NOT VERIFIED IN CI:
//   there is no Xcode on the CI machines.
// - Linux (tests in CI): a system-library target `monidFFI` whose module map links `libmonid.so`
//   (the debug cdylib with the virtual chip and the verifier, which the tests use);
//   `swift build -Xlinker -L<target/debug>`. scripts/ffi/swift.sh generates the bindings (not
//   committed) and runs the tests.
//
// This package is NOT usable by URL as it stands: the binary target is a local path and
// Sources/Monid/Generated/monid.swift is generated, never committed. An app runs
// scripts/ios/build-xcframework.sh and adds ios/ as a LOCAL package, or uses a distribution
// package built from the script's release zip and checksum: docs/bindings.md, "Using the
// package in an app".
//
// The platform classes (CoreNFC transport and read session, Secure Enclave key store) sit under
// `#if canImport(CoreNFC)` / `canImport(CryptoKit)`. On Linux they compile against the minimal
// stub modules in Stubs/ (`CoreNFC`, `CryptoKit`, `Security`, `LocalAuthentication`), which
// declare only the API surface these files use, with the SDK's signatures, plus a few non-SDK
// `stub...` hooks through which the tests play the part of iOS (a fake NFC session and tag, what
// the enclave throws, what the biometry reports): the shell's logic runs, the hardware never.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

#if os(Linux)
let ffiTarget: Target = .systemLibrary(name: "monidFFI", path: "Sources/monidFFI")
let stubTargets: [Target] = [
    .target(name: "CoreNFC", path: "Stubs/CoreNFC", swiftSettings: swiftSettings),
    .target(name: "CryptoKit", dependencies: ["Security"], path: "Stubs/CryptoKit", swiftSettings: swiftSettings),
    .target(name: "Security", path: "Stubs/Security", swiftSettings: swiftSettings),
    .target(name: "LocalAuthentication", path: "Stubs/LocalAuthentication", swiftSettings: swiftSettings),
]
let monidDependencies: [Target.Dependency] = ["monidFFI", "CoreNFC", "CryptoKit", "Security", "LocalAuthentication"]
// The tests' key store written in Swift signs with OpenSSL's libcrypto (Linux has no CryptoKit);
// on Apple platforms the same test store uses CryptoKit instead.
let testOnlyTargets: [Target] = [.systemLibrary(name: "COpenSSL", path: "Tests/COpenSSL")]
let testDependencies: [Target.Dependency] = ["Monid", "COpenSSL"]
#else
let ffiTarget: Target = .binaryTarget(name: "monidFFI", path: "MonidFFI.xcframework")
let stubTargets: [Target] = []
let monidDependencies: [Target.Dependency] = ["monidFFI"]
let testOnlyTargets: [Target] = []
let testDependencies: [Target.Dependency] = ["Monid"]
#endif

let package = Package(
    name: "Monid",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Monid", targets: ["Monid"]),
    ],
    targets: [
        ffiTarget,
        .target(
            name: "Monid",
            dependencies: monidDependencies,
            path: "Sources/Monid",
            resources: [.copy("PrivacyInfo.xcprivacy")],
            swiftSettings: swiftSettings,
            linkerSettings: [
                // The static Rust library draws its randomness through Security on Apple platforms.
                .linkedFramework("Security", .when(platforms: [.iOS, .macOS])),
                .linkedFramework("CoreNFC", .when(platforms: [.iOS])),
                .linkedFramework("LocalAuthentication", .when(platforms: [.iOS, .macOS])),
            ]
        ),
        .testTarget(
            name: "MonidTests",
            dependencies: testDependencies,
            path: "Tests/MonidTests",
            swiftSettings: swiftSettings
        ),
    ] + stubTargets + testOnlyTargets
)
