using System.Collections.Frozen;

namespace Mesh.Policy.Compilation;

/// <summary>
/// What the audit trail keeps of a request (the policy's <c>audit</c> section). Secret fields are kept only as their
/// SHA-256; besides the names a policy lists, names that look like credentials (token, secret, password, api key,
/// authorization, cookie, private key) are always treated as secret.
/// </summary>
public sealed class AuditPolicy
{
    private static readonly string[] AlwaysSecret = ["token", "secret", "password", "passwd", "apikey", "api_key", "api-key", "authorization", "cookie", "private_key", "privatekey"];
    private readonly FrozenSet<string> _secrets;

    /// <summary>Creates the settings.</summary>
    public AuditPolicy(bool keepArguments, IEnumerable<string> secrets)
    {
        KeepArguments = keepArguments;
        _secrets = secrets.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Digest only, built-in secret names.</summary>
    public static AuditPolicy Default { get; } = new(false, []);

    /// <summary>Whether the arguments are kept (secret keys hashed) rather than only their digest. Default: digest only.</summary>
    public bool KeepArguments { get; }

    /// <summary>The field names the policy marks as secret.</summary>
    public IReadOnlyCollection<string> Secrets => _secrets;

    /// <summary>Whether a field (attribute, evidence or argument key) is kept only as a hash.</summary>
    public bool IsSecret(string name)
    {
        if (_secrets.Contains(name))
        {
            return true;
        }

        foreach (var marker in AlwaysSecret)
        {
            if (name.Contains(marker, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
