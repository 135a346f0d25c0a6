// COMPILE-ONLY STUB of the Android API (see ../nfc/Tag.java).
package android.content;

public abstract class Context {
    public Context() { throw new RuntimeException("Stub!"); }
    // Abstract in the SDK (ContextWrapper implements it); concrete here so that the Activity stub
    // stays concrete.
    public android.content.pm.PackageManager getPackageManager() { throw new RuntimeException("Stub!"); }
}
