package org.monid

import java.io.File
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * The Gradle version catalog (android/gradle/libs.versions.toml) names the Kotlin and coroutines
 * versions these tests are compiled and run with (CI: scripts/ffi/kotlin.sh; Gradle: the
 * catalog itself), so that the AAR is built with what CI tested.
 */
class CatalogVersionsTest {
    private fun catalogVersion(name: String): String {
        val vectors = System.getProperty("monid.testVectors")
        assertNotNull("-Dmonid.testVectors not set", vectors)
        val toml = File(File(vectors!!).parentFile, "android/gradle/libs.versions.toml")
        assertTrue("$toml", toml.isFile)
        val line = toml.readLines().firstOrNull { it.trim().startsWith("$name =") || it.trim().startsWith("$name=") }
        assertNotNull("no `$name` in $toml", line)
        return line!!.substringAfter('=').trim().trim('"')
    }

    @Test
    fun kotlinIsTheCompilersVersion() {
        assertEquals(KotlinVersion.CURRENT.toString(), catalogVersion("kotlin"))
    }

    @Test
    fun theShellIsCompiledAtTheCatalogsLanguageLevel() {
        // scripts/ffi/kotlin.sh passes `kotlinLanguage` as -language-version/-api-version, as
        // build.gradle.kts does: the metadata the compiler wrote says which level it compiled at.
        val level = catalogVersion("kotlinLanguage")
        for (c in listOf(MonidReader::class.java, org.monid.android.IsoDepSupport::class.java)) {
            val mv = c.getAnnotation(Metadata::class.java).metadataVersion
            assertEquals("$c", level, "${mv[0]}.${mv[1]}")
        }
        // The kotlin-stdlib the AAR depends on is of that line (2.4's carries 2.4 metadata).
        assertTrue(catalogVersion("kotlinStdlib"), catalogVersion("kotlinStdlib").startsWith("$level."))
    }

    @Test
    fun coroutinesIsTheVersionOnTheClasspath() {
        val resource = kotlinx.coroutines.Job::class.java.classLoader
            .getResourceAsStream("META-INF/kotlinx_coroutines_core.version")
        assertNotNull("kotlinx-coroutines-core carries its version", resource)
        val onClasspath = resource!!.use { it.readBytes().decodeToString().trim() }
        assertEquals(onClasspath, catalogVersion("coroutines"))
    }
}
