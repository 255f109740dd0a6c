namespace Mesh.Console.Tests.Browser;

/// <summary>
/// Finds the Chromium the browser tests drive: <c>MESH_CHROMIUM</c> when set, else the system's (Debian's
/// <c>chromium</c> package installs the real binary at /usr/lib/chromium/chromium; .ci/run installs it).
/// Where none is installed the tests are skipped with this reason, unless <c>MESH_REQUIRE_BROWSER=1</c> (CI), which
/// makes them run and fail.
/// </summary>
public static class Chromium
{
    private static readonly string[] Candidates =
    [
        "/usr/lib/chromium/chromium",
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ];

    /// <summary>The executable, or null when none was found.</summary>
    public static string? Executable { get; } = Find();

    /// <summary>Why browser tests are skipped here, or null when they run.</summary>
    public static string? SkipReason { get; } =
        Executable is not null || Environment.GetEnvironmentVariable("MESH_REQUIRE_BROWSER") == "1"
            ? null
            : "No Chromium found (install Debian's `chromium` package or set MESH_CHROMIUM); browser tests skipped. MESH_REQUIRE_BROWSER=1 makes this a failure.";

    /// <summary>The executable, or a clear failure when a browser is required and missing.</summary>
    public static string Require() => Executable ?? throw new InvalidOperationException(
        "MESH_REQUIRE_BROWSER=1 but no Chromium was found: install Debian's `chromium` package (.ci/run does) or set MESH_CHROMIUM to the executable.");

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("MESH_CHROMIUM") is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : throw new InvalidOperationException($"MESH_CHROMIUM names '{configured}', which does not exist.");
        }

        return Candidates.FirstOrDefault(File.Exists);
    }
}

/// <summary>A test that needs a real browser: skipped, with the reason, only where no Chromium is installed.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> from <see cref="Chromium.SkipReason"/>.</summary>
    public BrowserFactAttribute()
    {
        Skip = Chromium.SkipReason;
    }
}
