using Osprey.Engine.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Language;

/// <summary>
/// Test-only weight loading: copies every tensor of a safetensors file into the module parameter of
/// the same name (converting dtype), and insists the two name sets are identical.
/// </summary>
internal static class SafetensorsWeights
{
    public static void LoadInto(nn.Module module, string path)
    {
        using var file = SafetensorsFile.Open(path);
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(file.Entries.Keys.Order(), parameters.Keys.Order());
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in parameters)
        {
            using var stored = file.Read(name);
            Assert.True(stored.shape.SequenceEqual(parameter.shape), $"{name}: file [{string.Join(",", stored.shape)}] vs module [{string.Join(",", parameter.shape)}]");
            parameter.copy_(stored);
        }
    }
}
