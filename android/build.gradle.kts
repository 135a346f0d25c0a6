// monid Android library (AAR): the Kotlin shell + uniffi's generated Kotlin + libmonid.so for
// arm64-v8a, armeabi-v7a and x86_64, built by cargo-ndk with 16 KB page alignment.
//
// NOT VERIFIED IN CI (no Android SDK/NDK or Gradle on the CI machines). Developer machine:
//   rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
//   cargo install cargo-ndk        # and ANDROID_NDK_HOME pointing at NDK r27 or newer
//   gradle wrapper && ./gradlew assembleRelease          # -> build/outputs/aar/
//   ./gradlew testDebugUnitTest -Pmonid.vchip=true       # JVM tests with the virtual chip
// The generated bindings must come from the same library build as the packaged .so (uniffi
// checks API checksums at load time), so `-Pmonid.vchip=true` switches the whole build (host
// library for the tests, Android libraries, bindings) to the test build: the virtual chip and
// the relying party's verifier (`--features vchip,verifier`; the JVM tests use both). Without
// it, the app build: `--no-default-features` (no virtual chip, no verifier), whatever the
// crate's default features are.
import org.gradle.api.tasks.Exec
import org.jetbrains.kotlin.gradle.dsl.KotlinVersion

plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
}

val repoRoot: File = rootDir.parentFile
val abis = listOf("arm64-v8a", "armeabi-v7a", "x86_64")
val minSdkVersion = 24
val withVchip = providers.gradleProperty("monid.vchip").orNull == "true"
val cargoFeatures = if (withVchip) {
    listOf("--no-default-features", "--features", "vchip,verifier")
} else {
    listOf("--no-default-features")
}
val rustJniLibs = layout.buildDirectory.dir("rustJniLibs")
// The host build of the library (JVM unit tests, the generator): libmonid.dylib on macOS.
val hostLibName = if (System.getProperty("os.name").startsWith("Mac")) "libmonid.dylib" else "libmonid.so"
val hostLib = File(repoRoot, "target/debug/$hostLibName")
val metadataMap = layout.buildDirectory.file("uniffi-metadata.map")
val uniffiKotlin = layout.buildDirectory.dir("generated/uniffi/kotlin")

android {
    namespace = "org.monid"
    compileSdk = 35

    defaultConfig {
        minSdk = minSdkVersion
        consumerProguardFiles("consumer-rules.pro")
        ndk { abiFilters += abis }
    }

    sourceSets["main"].apply {
        kotlin.srcDir(uniffiKotlin)
        jniLibs.srcDir(rustJniLibs)
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    packaging {
        // Keep the .so files uncompressed and page-aligned in the APK (16 KB page devices).
        jniLibs.useLegacyPackaging = false
    }

    testOptions {
        unitTests.all {
            // JVM unit tests load the HOST build of libmonid.so through the desktop JNA jar.
            it.systemProperty("jna.library.path", File(repoRoot, "target/debug").path)
            it.systemProperty("monid.testVectors", File(repoRoot, "test-vectors").path)
        }
    }
}

kotlin {
    jvmToolchain(17)
    // Consumers on older Kotlin: compiled at the oldest language/API level Kotlin 2.4.20 still
    // accepts (catalog `kotlinLanguage`, 2.0; scripts/ffi/kotlin.sh compiles CI's run with the same
    // -language-version/-api-version), so the AAR carries Kotlin 2.0 metadata instead of 2.4, and
    // depends on a kotlin-stdlib of that line (catalog `kotlinStdlib`) instead of the plugin's
    // 2.4.20 (whose metadata an app's older compiler could not read). An app needs Kotlin 1.9 or
    // newer (a compiler reads metadata one version ahead).
    compilerOptions {
        val level = KotlinVersion.fromVersion(libs.versions.kotlinLanguage.get())
        languageVersion.set(level)
        apiVersion.set(level)
    }
    coreLibrariesVersion = libs.versions.kotlinStdlib.get()
}

dependencies {
    implementation(libs.kotlinx.coroutines.android)
    // JNA's Android AAR (libjnidispatch.so for every ABI); uniffi's bindings call through it.
    implementation(libs.jna) { artifact { type = "aar" } }
    testImplementation(libs.jna)
    testImplementation(libs.junit)
    testImplementation(libs.kotlinx.coroutines.core)
}

// libmonid.so for each ABI. `rustc --crate-type cdylib`, not `build`: bindings/Cargo.toml also
// declares `lib` (for its Rust tests), and with an rlib among the crate types LTO keeps every
// Rust-public symbol of every crate (25 % larger; see scripts/ffi/size.sh). 16 KB page
// alignment (required for Android 15+ devices with 16 KB pages): -z max-page-size=16384.
// --icf=all: LLD's identical code folding (same-bodied functions share one copy; see
// scripts/ffi/size.sh). --pack-dyn-relocs=android: Android's packed relocations (APS2, API 23+;
// RELR would need API 28/30), the counterpart of -z pack-relative-relocs in scripts/ffi/size.sh.
// --cfg sha2_backend_soft/aes_backend_soft="compact": the compact software fallbacks of sha2 and
// aes (the ARMv8 crypto instructions are still used when present; see scripts/ffi/size.sh).
// --version-script: uniffi's UNIFFI_META_* statics (read only by the generator, from the host
// build) become local and are dropped, about 50 KB (bindings/uniffi-bindgen/src/bin/
// uniffi-metadata-map.rs); the generator therefore never reads these release libraries.
val cargoNdk by tasks.registering(Exec::class) {
    group = "rust"
    description = "Builds libmonid.so for ${abis.joinToString()} with cargo-ndk"
    dependsOn("uniffiMetadataMap")  // by name: registered below
    workingDir = repoRoot
    environment("RUSTFLAGS", "-C link-arg=-Wl,-z,max-page-size=16384 -C link-arg=-Wl,--icf=all " +
        "-C link-arg=-Wl,--pack-dyn-relocs=android " +
        "-C link-arg=-Wl,--version-script=${metadataMap.get().asFile.path} " +
        "--cfg sha2_backend_soft=\"compact\" --cfg aes_backend_soft=\"compact\"")
    commandLine(
        listOf("cargo", "ndk") + abis.flatMap { listOf("-t", it) } +
            listOf("--platform", "$minSdkVersion", "-o", rustJniLibs.get().asFile.path,
                "rustc", "--profile", "release-ffi", "-p", "monid-bindings", "--lib",
                "--crate-type", "cdylib") + cargoFeatures,
    )
}

// The host library (for the JVM unit tests and for generating the bindings).
val cargoHost by tasks.registering(Exec::class) {
    group = "rust"
    workingDir = repoRoot
    commandLine(listOf("cargo", "build", "-p", "monid-bindings") + cargoFeatures)
}

val buildUniffiBindgen by tasks.registering(Exec::class) {
    group = "rust"
    workingDir = repoRoot
    commandLine("cargo", "build", "-p", "uniffi-bindgen")
}

// The linker version script that hides uniffi's metadata in the release libraries, named from
// the host build of the same features (the names depend only on the exported API).
val uniffiMetadataMap by tasks.registering(Exec::class) {
    group = "rust"
    dependsOn(cargoHost, buildUniffiBindgen)
    workingDir = repoRoot
    commandLine(
        File(repoRoot, "target/debug/uniffi-metadata-map").path, hostLib.path,
        metadataMap.get().asFile.path,
    )
}

// Library mode: the bindings are generated from the built library (never committed).
val generateUniffiBindings by tasks.registering(Exec::class) {
    group = "rust"
    dependsOn(cargoHost, buildUniffiBindgen)
    workingDir = repoRoot
    doFirst { delete(uniffiKotlin) }
    commandLine(
        File(repoRoot, "target/debug/uniffi-bindgen").path, "generate", "--no-format",
        "--language", "kotlin", "--out-dir", uniffiKotlin.get().asFile.path,
        hostLib.path,
    )
}

tasks.named("preBuild") { dependsOn(generateUniffiBindings, cargoNdk) }
