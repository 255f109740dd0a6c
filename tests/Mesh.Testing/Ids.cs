namespace Mesh.Testing;

/// <summary>Unique ids per test, so tests sharing a cluster never see each other's grains.</summary>
public static class Ids
{
    private static int _next;

    /// <summary>A fresh tenant id (lower-case, starts with a letter).</summary>
    public static string Tenant() => $"t{Interlocked.Increment(ref _next)}x{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>A fresh request id.</summary>
    public static string Request() => "req-" + Guid.NewGuid().ToString("N");
}
