using System.Security.Cryptography;
using System.Text;

namespace Mesh.Grains.Approvals;

/// <summary>
/// Approval ids derive from the agent and the request id, so re-sending the same request can never open a second
/// approval, even after the agent grain was deactivated and lost its memory of the first.
/// </summary>
internal static class ApprovalIds
{
    public static string For(string tenant, string agentId, string requestId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(agentId + "\n" + requestId), hash);
        return $"{tenant}/apr-{Convert.ToHexStringLower(hash[..16])}";
    }
}
