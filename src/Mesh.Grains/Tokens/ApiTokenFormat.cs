using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Mesh.Grains.Tokens;

/// <summary>
/// API tokens look like <c>mesh_ot_&lt;id&gt;.&lt;secret&gt;</c>: a public id (to find the token without scanning)
/// and 256 random bits of secret, of which only a SHA-256 hash is kept.
/// </summary>
public static class ApiTokenFormat
{
    /// <summary>What every API token starts with.</summary>
    public const string Prefix = "mesh_ot_";

    /// <summary>Length of a token id: 6 random bytes as lowercase hex.</summary>
    public const int IdLength = 12;

    /// <summary>Length of a generated secret: 32 random bytes as unpadded base64url.</summary>
    public const int SecretLength = 43;

    private const int SecretBytes = 32;

    // 32 random bytes take fewer than 16 distinct values with probability ~3e-17; fewer means a pattern, not chance.
    private const int MinDistinctSecretBytes = 16;

    /// <summary>Grain key of a token id.</summary>
    public static string GrainKey(string id) => "sys/token-" + id;

    /// <summary>A new token: id, full bearer string, and the hash to store.</summary>
    public static (string Id, string Token, byte[] SecretHash) Create()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdLength / 2));
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));
        return (id, $"{Prefix}{id}.{secret}", Hash(secret));
    }

    /// <summary>Splits a bearer token into id and secret; false for anything not shaped like one.</summary>
    public static bool TryParse(string? token, [NotNullWhen(true)] out string? id, [NotNullWhen(true)] out string? secret)
    {
        id = secret = null;
        if (token is null || token.Length > 128 || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var dot = token.IndexOf('.', Prefix.Length);
        if (dot != Prefix.Length + IdLength || dot == token.Length - 1)
        {
            return false;
        }

        var idPart = token[Prefix.Length..dot];
        if (!IsValidId(idPart))
        {
            return false;
        }

        id = idPart;
        secret = token[(dot + 1)..];
        return true;
    }

    /// <summary>
    /// Checks a token an operator supplies (the preset first admin token) against everything a generated token is:
    /// the prefix, a 12-digit lowercase hex id, and a secret of exactly 32 bytes in canonical unpadded base64url that
    /// does not repeat itself. <paramref name="problem"/> says what is wrong without quoting the token.
    /// </summary>
    public static bool TryParseStrict(
        string? token,
        [NotNullWhen(true)] out string? id,
        [NotNullWhen(true)] out string? secret,
        [NotNullWhen(false)] out string? problem)
    {
        id = secret = null;
        problem = token switch
        {
            null or "" => "it is empty",
            _ when token.Any(char.IsWhiteSpace) => "it holds more than one line or contains spaces",
            _ when !token.StartsWith(Prefix, StringComparison.Ordinal) => $"it does not start with {Prefix}",
            _ when token.Length != Prefix.Length + IdLength + 1 + SecretLength || !TryParse(token, out _, out _) =>
                $"it is not {Prefix}<{IdLength} lowercase hex digits>.<{SecretLength} base64url characters> ({Prefix.Length + IdLength + 1 + SecretLength} characters in all)",
            _ => null,
        };
        if (problem is not null)
        {
            return false;
        }

        var secretPart = token![(Prefix.Length + IdLength + 1)..];
        Span<byte> bytes = stackalloc byte[SecretBytes + 2];
        if (!Base64Url.IsValid(secretPart)
            || Base64Url.DecodeFromChars(secretPart, bytes) != SecretBytes
            || !string.Equals(Base64Url.EncodeToString(bytes[..SecretBytes]), secretPart, StringComparison.Ordinal))
        {
            problem = $"its secret (after the '.') is not {SecretBytes} bytes in unpadded base64url (A-Z a-z 0-9 - _)";
            return false;
        }

        Span<bool> seen = stackalloc bool[256];
        var distinct = 0;
        foreach (var b in bytes[..SecretBytes])
        {
            if (!seen[b])
            {
                seen[b] = true;
                distinct++;
            }
        }

        CryptographicOperations.ZeroMemory(bytes);
        if (distinct < MinDistinctSecretBytes)
        {
            problem = "its secret repeats itself: it was not made from random bytes";
            return false;
        }

        id = token[Prefix.Length..(Prefix.Length + IdLength)];
        secret = secretPart;
        return true;
    }

    /// <summary>True for a token id: 12 lowercase hex digits.</summary>
    public static bool IsValidId(string? id) => id is { Length: IdLength } && id.All(char.IsAsciiHexDigitLower);

    /// <summary>SHA-256 of a secret.</summary>
    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
