using System.Collections.Concurrent;
using Osprey.Engine.Serving;
using Osprey.Engine.Tokenization;
using OspreyCluster.Grains.Hosting;

namespace Osprey.Bench.Simulation;

/// <summary>Gives one silo a <see cref="SimulatedEngine"/> instead of the model, and keeps it for the run's accounting.</summary>
public sealed class SimulatedEngineSource(string silo, SimulationClock clock, CostModel cost, OspreyTokenizer tokenizer,
    ConcurrentDictionary<long, TurnTicket> tickets, int answerTokens, ConcurrentBag<SimulatedEngine> engines) : ISequenceEngineSource
{
    public SimulatedEngine? Engine { get; private set; }

    public Task<ISequenceEngine> StartAsync(OspreyClusterOptions options, CancellationToken cancellationToken)
    {
        Engine = new SimulatedEngine(silo, clock, cost, tokenizer, tickets, answerTokens, options.MaxWaitingSequences);
        engines.Add(Engine);
        return Task.FromResult<ISequenceEngine>(Engine);
    }
}
