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
    private const string Prefix = "mesh_ot_";

    /// <summary>Grain key of a token id.</summary>
    public static string GrainKey(string id) => "sys/token-" + id;

    /// <summary>A new token: id, full bearer string, and the hash to store.</summary>
    public static (string Id, string Token, byte[] SecretHash) Create()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
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
        if (dot != Prefix.Length + 12 || dot == token.Length - 1)
        {
            return false;
        }

        var idPart = token[Prefix.Length..dot];
        if (!idPart.All(char.IsAsciiHexDigitLower))
        {
            return false;
        }

        id = idPart;
        secret = token[(dot + 1)..];
        return true;
    }

    /// <summary>SHA-256 of a secret.</summary>
    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
