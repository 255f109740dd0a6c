using System.Diagnostics.CodeAnalysis;

namespace Mesh.Contracts.Keys;

/// <summary>
/// Grain keys are <c>tenant/name</c>. The tenant comes first so every key names its tenant, and a key is never a
/// bare hex-like string (Orleans would read such a key as an integer).
/// </summary>
public static class MeshKey
{
    /// <summary>Longest tenant id.</summary>
    public const int MaxTenantLength = 63;

    /// <summary>Longest name after the tenant.</summary>
    public const int MaxNameLength = 128;

    /// <summary>Joins a tenant and a name into a key.</summary>
    public static string Create(string tenant, string name)
    {
        if (!IsValidTenant(tenant))
        {
            throw new ArgumentException($"'{tenant}' is not a valid tenant id: use 1-{MaxTenantLength} lower-case letters, digits or '-', starting with a letter.", nameof(tenant));
        }

        if (!IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a valid name: use 1-{MaxNameLength} letters, digits, '.', '_' or '-', starting with a letter or digit.", nameof(name));
        }

        return string.Concat(tenant, "/", name);
    }

    /// <summary>Splits a <c>tenant/name</c> key, validating both parts.</summary>
    public static bool TryParse([NotNullWhen(true)] string? key, out string tenant, out string name)
    {
        tenant = string.Empty;
        name = string.Empty;
        if (key is null)
        {
            return false;
        }

        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == key.Length - 1)
        {
            return false;
        }

        var tenantPart = key[..slash];
        var namePart = key[(slash + 1)..];
        if (!IsValidTenant(tenantPart) || !IsValidName(namePart))
        {
            return false;
        }

        tenant = tenantPart;
        name = namePart;
        return true;
    }

    /// <summary>The tenant of a valid key, or null.</summary>
    public static string? TenantOf(string? key) => TryParse(key, out var tenant, out _) ? tenant : null;

    /// <summary>True for 1-63 lower-case letters, digits or '-', starting with a letter.</summary>
    public static bool IsValidTenant([NotNullWhen(true)] string? tenant)
    {
        if (string.IsNullOrEmpty(tenant) || tenant.Length > MaxTenantLength || !char.IsAsciiLetterLower(tenant[0]))
        {
            return false;
        }

        foreach (var c in tenant)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True for 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit.</summary>
    public static bool IsValidName([NotNullWhen(true)] string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || !char.IsAsciiLetterOrDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '.' || c == '_' || c == '-'))
            {
                return false;
            }
        }

        return true;
    }
}
