namespace Mesh.Contracts.Decisions;

/// <summary>Size limits on an <see cref="ActionRequest"/>. A request over any of them is denied <c>bad_request</c>.</summary>
public static class RequestLimits
{
    /// <summary>Longest request id.</summary>
    public const int MaxRequestIdLength = 128;
    /// <summary>Longest tool or operation name.</summary>
    public const int MaxNameLength = 64;
    /// <summary>Longest target.</summary>
    public const int MaxTargetLength = 2048;
    /// <summary>Longest credential, workflow, session or approval id.</summary>
    public const int MaxIdLength = 200;
    /// <summary>Most data labels.</summary>
    public const int MaxLabels = 32;
    /// <summary>Longest data label.</summary>
    public const int MaxLabelLength = 64;
    /// <summary>Most attributes, and most evidence entries.</summary>
    public const int MaxEntries = 64;
    /// <summary>Longest attribute or evidence key.</summary>
    public const int MaxKeyLength = 64;
    /// <summary>Longest attribute or evidence value.</summary>
    public const int MaxValueLength = 1024;
    /// <summary>Longest arguments text (64 KiB).</summary>
    public const int MaxArgumentsLength = 65_536;
    /// <summary>Longest agent token.</summary>
    public const int MaxTokenLength = 256;
}
