using Osprey.Engine.Devices;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Devices;

/// <summary>Keeping freed blocks is a setting of glibc's malloc: it takes on Linux, and tensors stay what they were.</summary>
public sealed class NativeHeapTests
{
    [Fact]
    public void Keeps_freed_blocks_on_linux_and_large_tensors_still_compute()
    {
        Assert.Equal(OperatingSystem.IsLinux(), NativeHeap.KeepFreedBlocks());
        using var scope = torch.NewDisposeScope();
        // Above glibc's largest mmap threshold (32 MB): served from the heap now, and reused once freed.
        for (var round = 0; round < 3; round++)
        {
            using var large = torch.ones(3, 4096, 1024);
            Assert.Equal(3.0 * 4096 * 1024, large.sum().item<float>());
        }
    }
}
