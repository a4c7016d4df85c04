using System.Collections;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace OspreyCluster.Tests;

/// <summary>One grain call as it would travel: who sent it, where it ran, its serialized size and the types it carried.</summary>
public sealed record GrainCallPayload(string Method, string Sender, string Receiver, int Bytes, IReadOnlyList<string> Types);

/// <summary>
/// Records every grain call's payload on every silo: arguments and result serialized with the
/// cluster's own serializer, plus the runtime types inside them. Silos stamp their outgoing calls, so
/// a call from another silo is told apart from a call from the client or from the silo itself.
/// </summary>
public sealed class GrainCallPayloads
{
    private const string SenderKey = "osprey-test-sender";
    public const string Client = "client";

    private readonly ConcurrentQueue<GrainCallPayload> _calls = new();

    public void AddTo(ISiloBuilder silo)
    {
        silo.Services.AddSingleton(this);
        silo.AddOutgoingGrainCallFilter<SenderStamp>();
        silo.AddIncomingGrainCallFilter<PayloadRecorder>();
    }

    /// <summary>The calls recorded since the last take.</summary>
    public IReadOnlyList<GrainCallPayload> Take()
    {
        var taken = new List<GrainCallPayload>();
        while (_calls.TryDequeue(out var call)) taken.Add(call);
        return taken;
    }

    private sealed class SenderStamp(ILocalSiloDetails silo) : IOutgoingGrainCallFilter
    {
        public Task Invoke(IOutgoingGrainCallContext context)
        {
            RequestContext.Set(SenderKey, silo.SiloAddress.ToParsableString());
            return context.Invoke();
        }
    }

    private sealed class PayloadRecorder(GrainCallPayloads payloads, Serializer serializer, ILocalSiloDetails silo) : IIncomingGrainCallFilter
    {
        public async Task Invoke(IIncomingGrainCallContext context)
        {
            var sender = RequestContext.Get(SenderKey) as string ?? Client;
            try
            {
                await context.Invoke();
            }
            finally
            {
                object? result = null;
                try { result = context.Result; }
                catch (Exception) { /* a failed call carries its exception, which is not a payload */ }
                var values = Enumerable.Range(0, context.Request.GetArgumentCount()).Select(context.Request.GetArgument).Append(result)
                    .Where(v => v is not null and not CancellationToken).ToList();
                var bytes = values.Sum(v => serializer.SerializeToArray<object>(v!).Length);
                var types = new HashSet<string>();
                foreach (var value in values) CollectTypes(value, types, 0);
                var method = context.InterfaceMethod is { DeclaringType: { } declaring } ? $"{declaring.FullName}.{context.MethodName}" : $"{context.InterfaceName}.{context.MethodName}";
                payloads._calls.Enqueue(new GrainCallPayload(method, sender,
                    silo.SiloAddress.ToParsableString(), bytes, [.. types]));
            }
        }

        private static void CollectTypes(object? value, HashSet<string> types, int depth)
        {
            if (value is null || depth > 6) return;
            var type = value.GetType();
            types.Add(type.FullName ?? type.Name);
            if (value is string || type.IsPrimitive) return;
            if (value is ITuple tuple)
                for (var i = 0; i < tuple.Length; i++) CollectTypes(tuple[i], types, depth + 1);
            else if (value is IEnumerable items and not byte[])
                foreach (var item in items) CollectTypes(item, types, depth + 1);
            else if (type.Namespace?.StartsWith("OrleansCodeGen", StringComparison.Ordinal) == true)
                // A generated request object holds the call's arguments in fields.
                foreach (var field in type.GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic))
                    CollectTypes(field.GetValue(value), types, depth + 1);
            else if (type.Assembly.GetName().Name is { } assembly && assembly.StartsWith("Grains", StringComparison.Ordinal))
                foreach (var property in type.GetProperties().Where(p => p.GetIndexParameters().Length == 0 && !p.PropertyType.IsPrimitive))
                    CollectTypes(property.GetValue(value), types, depth + 1);
        }
    }
}
