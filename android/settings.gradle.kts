// The monid Android library: one Gradle library module (this directory).
// NOT VERIFIED IN CI: there is no Android SDK/NDK or Gradle on the CI machines. CI compiles the
// Kotlin sources with kotlinc against compile-only android.* stubs and runs the JVM tests
// (scripts/ffi/kotlin.sh). See docs/bindings.md.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "monid-android"
