using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Mesh.Contracts.Decisions;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Mesh.Silo.Api.Http;

/// <summary>
/// The JSON shape of <see cref="Decision"/> in the HTTP API. The API serialises the contract itself, not a copy of it,
/// so a field added to <see cref="Decision"/> reaches HTTP runtimes without anyone remembering to copy it (a hand copy
/// once dropped <c>resolvedAddresses</c>). Only two things differ from the contract's plain camelCase reading:
/// <c>retryAfter</c> travels as <c>retryAfterSeconds</c> (a number of seconds), and <c>isAllowed</c>, a convenience
/// computed from <c>effect</c>, is not sent.
/// </summary>
internal static class DecisionJson
{
    /// <summary>The wire name of <see cref="Decision.RetryAfter"/>.</summary>
    public const string RetryAfterSeconds = "retryAfterSeconds";

    /// <summary>A contract modifier for <see cref="DefaultJsonTypeInfoResolver"/>: applies the shape above.</summary>
    public static void Shape(JsonTypeInfo info)
    {
        if (info.Type != typeof(Decision))
        {
            return;
        }

        for (var i = info.Properties.Count - 1; i >= 0; i--)
        {
            var property = info.Properties[i];
            switch ((property.AttributeProvider as MemberInfo)?.Name)
            {
                case nameof(Decision.IsAllowed):
                    info.Properties.RemoveAt(i);
                    break;
                case nameof(Decision.RetryAfter):
                    property.Name = RetryAfterSeconds;
                    property.CustomConverter = new SecondsConverter();
                    break;
            }
        }
    }

    /// <summary>Describes <c>retryAfterSeconds</c> in the OpenAPI document as what it is on the wire: a number of seconds.</summary>
    public static void Document(OpenApiOptions options) =>
        options.AddSchemaTransformer((schema, context, _) =>
        {
            if (context.JsonPropertyInfo is { Name: RetryAfterSeconds } property && property.DeclaringType == typeof(Decision))
            {
                schema.Type = JsonSchemaType.Number;
                schema.Format = "double";
                schema.Description = "For rate_limited: seconds until a retry can succeed.";
            }

            return Task.CompletedTask;
        });

    /// <summary>A duration as a JSON number of seconds (fractions allowed).</summary>
    private sealed class SecondsConverter : JsonConverter<TimeSpan?>
    {
        public override TimeSpan? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? null : TimeSpan.FromSeconds(reader.GetDouble());

        public override void Write(Utf8JsonWriter writer, TimeSpan? value, JsonSerializerOptions options)
        {
            if (value is { } duration)
            {
                writer.WriteNumberValue(duration.TotalSeconds);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }
}
