using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Devices;

/// <summary>Turns "cpu" / "cuda" / "cuda:N" into a torch device, refusing what this build cannot run.</summary>
public static class DeviceSelection
{
    public static Device Resolve(string name)
    {
        var n = (name ?? "cpu").Trim().ToLowerInvariant();
        if (n == "cpu") return torch.CPU;
        if (n == "cuda" || n.StartsWith("cuda:", StringComparison.Ordinal))
        {
            // The default build references the CPU libtorch; CUDA needs `-p:OspreyDevice=cuda`
            // (TorchSharp-cuda-linux) and a GPU.
            if (!torch.cuda.is_available())
                throw new NotSupportedException($"device '{name}' requested but CUDA is not available in this build or on this machine (build with -p:OspreyDevice=cuda on a GPU host)");
            return torch.device(n);
        }
        throw new ArgumentException($"unknown device '{name}' (expected cpu, cuda or cuda:N)");
    }
}
