// COMPILE-ONLY STUB of the Android API (see ../../nfc/Tag.java).
package android.content.pm;

public abstract class PackageManager {
    public PackageManager() { throw new RuntimeException("Stub!"); }
    /** API 28. */
    public static final String FEATURE_STRONGBOX_KEYSTORE = "android.hardware.strongbox_keystore";
    public abstract boolean hasSystemFeature(String featureName);
}
