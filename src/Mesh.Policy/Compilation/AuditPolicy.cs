using System.Collections.Frozen;
using System.Text;

namespace Mesh.Policy.Compilation;

/// <summary>
/// What the audit trail keeps of a request (the policy's <c>audit</c> section). Secret fields are kept only as their
/// SHA-256. Besides the names a policy lists, a field is secret when its name reads as a credential (see
/// <see cref="IsSecretName"/>) or its value looks like one (see <see cref="SecretValues"/>).
/// </summary>
public sealed class AuditPolicy
{
    // Whole words of a name (split at '-', '_', '.', spaces and camelCase humps, lower-cased) that mark it secret.
    private static readonly FrozenSet<string> SecretWords = FrozenSet.ToFrozenSet(
    [
        "password", "passwd", "pwd", "pass", "passphrase", "passcode", "secret", "secrets", "token", "tokens", "auth",
        "authorization", "authentication", "bearer", "credential", "credentials", "creds", "cookie", "cookies", "session",
        "sessionid", "signature", "sig", "apikey", "privatekey", "accesskey", "secretkey", "jwt", "otp", "totp", "csrf",
        "xsrf", "saml",
    ], StringComparer.Ordinal);

    // Adjacent words that together mark a name secret ("api key", "private key", "client secret").
    private static readonly FrozenSet<string> SecretPairs = FrozenSet.ToFrozenSet(
    [
        "api key", "private key", "access key", "secret key", "client secret", "session id", "session key", "signing key",
        "encryption key", "master key", "refresh key", "id token", "sas key", "account key", "connection string",
    ], StringComparer.Ordinal);

    // Fragments that mark a name secret wherever they occur once separators are dropped ("githubtoken", "xauth",
    // "dbpassword"). Only fragments too long to occur by chance in ordinary words: "auth" would match "author".
    private static readonly string[] SecretFragments =
    [
        "password", "passwd", "passphrase", "secret", "token", "apikey", "authorization", "cookie", "privatekey",
        "accesskey", "credential", "bearer", "xauth", "signature", "sessionid", "connectionstring",
    ];

    private readonly FrozenSet<string> _secrets;
    private readonly FrozenSet<string> _normalizedSecrets;

    /// <summary>Creates the settings.</summary>
    public AuditPolicy(bool keepArguments, IEnumerable<string> secrets)
    {
        KeepArguments = keepArguments;
        _secrets = secrets.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        _normalizedSecrets = _secrets.Select(Compact).ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>Digest only, built-in secret names.</summary>
    public static AuditPolicy Default { get; } = new(false, []);

    /// <summary>Whether the arguments are kept (secret keys hashed) rather than only their digest. Default: digest only.</summary>
    public bool KeepArguments { get; }

    /// <summary>The field names the policy marks as secret.</summary>
    public IReadOnlyCollection<string> Secrets => _secrets;

    /// <summary>Whether a field (attribute, evidence or argument key) is kept only as a hash, by its name alone.</summary>
    public bool IsSecret(string name) =>
        _secrets.Contains(name) || _normalizedSecrets.Contains(Compact(name)) || IsSecretName(name);

    /// <summary>Whether a field is kept only as a hash: by its name, or because its value looks like a credential.</summary>
    public bool IsSecret(string name, string? value) => IsSecret(name) || SecretValues.LooksSecret(value);

    /// <summary>
    /// True when a field name reads as a credential whatever the policy says. The name is split into words at
    /// <c>-</c>, <c>_</c>, <c>.</c>, spaces and camelCase humps and lower-cased: <c>X-Auth</c>, <c>x_api_key</c>,
    /// <c>userPwd</c>, <c>client.secret</c>, <c>Set-Cookie</c> and <c>githubToken</c> are all secret.
    /// </summary>
    public static bool IsSecretName(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        var words = Words(name);
        for (var i = 0; i < words.Count; i++)
        {
            if (SecretWords.Contains(words[i]) || (i > 0 && SecretPairs.Contains(words[i - 1] + " " + words[i])))
            {
                return true;
            }
        }

        var compact = string.Concat(words);
        foreach (var fragment in SecretFragments)
        {
            if (compact.Contains(fragment, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    // Lower-case letters and digits only: "X-API_Key" -> "xapikey".
    private static string Compact(string name) => string.Concat(Words(name));

    private static List<string> Words(string name)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!char.IsLetterOrDigit(c))
            {
                Flush();
                continue;
            }

            // A hump starts a word: "apiKey" -> api|Key, "XMLToken" -> XML|Token (an upper before upper-then-lower).
            if (char.IsUpper(c) && word.Length > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
            {
                Flush();
            }

            word.Append(char.ToLowerInvariant(c));
        }

        Flush();
        return words;

        void Flush()
        {
            if (word.Length > 0)
            {
                words.Add(word.ToString());
                word.Clear();
            }
        }
    }
}
