using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Mesh.Contracts.Decisions;

namespace Mesh.Grains.Agents;

/// <summary>Agent tokens: 256 random bits, shown once, stored only as a SHA-256 hash and compared in constant time.</summary>
internal static class AgentTokens
{
    // A recognisable prefix lets secret scanners find leaked tokens.
    private const string Prefix = "mesh_at_";

    public static (string Token, byte[] Hash) Issue()
    {
        var token = Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return (token, Hash(token));
    }

    public static bool Matches(string? presented, byte[]? storedHash)
    {
        if (storedHash is null || string.IsNullOrEmpty(presented) || presented.Length > RequestLimits.MaxTokenLength)
        {
            return false;
        }

        Span<byte> utf8 = stackalloc byte[RequestLimits.MaxTokenLength * 3];
        var length = Encoding.UTF8.GetBytes(presented, utf8);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(utf8[..length], hash);
        return CryptographicOperations.FixedTimeEquals(hash, storedHash);
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
