using Mesh.Contracts.Agents;
using Mesh.Contracts.Decisions;

namespace Mesh.Contracts.Tests.Decisions;

public sealed class RedactionTests
{
    private const string Token = "mesh_at_SECRET-TOKEN-VALUE";

    [Fact]
    public void Printing_wire_records_never_shows_the_agent_token()
    {
        var request = new ActionRequest { RequestId = "r", AgentId = "acme/bot", AgentToken = Token, Tool = "git", Operation = "push", Arguments = "{\"password\":\"hunter2\"}" };
        var report = new OutcomeReport { RequestId = "r", AgentId = "acme/bot", AgentToken = Token, Success = true };
        var receipt = new AgentTokenReceipt { AgentId = "acme/bot", Token = Token, IssuedAt = DateTimeOffset.UnixEpoch };

        Assert.DoesNotContain("SECRET", request.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", request.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", report.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", receipt.ToString(), StringComparison.Ordinal);
        Assert.Contains("acme/bot", request.ToString(), StringComparison.Ordinal);
    }
}
