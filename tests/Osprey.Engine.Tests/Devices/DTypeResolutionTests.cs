using Osprey.Engine.Devices;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Devices;

public class DTypeResolutionTests
{
    private static readonly CpuFeatures WithBf16 = CpuFeatures.Parse("processor\t: 0\nflags\t\t: sse avx2 avx512f avx512_bf16\n");
    private static readonly CpuFeatures WithoutBf16 = CpuFeatures.Parse("processor\t: 0\nflags\t\t: sse avx2 fma\n");

    [Theory]
    [InlineData("auto")]
    [InlineData(" AUTO ")]
    public void AutoIsBf16OnACpuThatHasItAndFp32OnOneThatDoesNot(string name)
    {
        Assert.Equal(ScalarType.BFloat16, DTypeName.Resolve(name, DeviceType.CPU, WithBf16));
        Assert.Equal(ScalarType.Float32, DTypeName.Resolve(name, DeviceType.CPU, WithoutBf16));
    }

    [Fact]
    public void AutoIsBf16OnCudaWhateverTheCpu() =>
        Assert.Equal(ScalarType.BFloat16, DTypeName.Resolve("auto", DeviceType.CUDA, WithoutBf16));

    [Theory]
    [InlineData("fp32", ScalarType.Float32)]
    [InlineData("bf16", ScalarType.BFloat16)]
    [InlineData("fp16", ScalarType.Float16)]
    public void AnExplicitDTypeIsKeptOnEveryCpu(string name, ScalarType expected)
    {
        Assert.Equal(expected, DTypeName.Resolve(name, DeviceType.CPU, WithBf16));
        Assert.Equal(expected, DTypeName.Resolve(name, DeviceType.CPU, WithoutBf16));
    }

    [Fact]
    public void AutoFallsBackToBf16OnlyWhenFp32DoesNotFitAndBf16Does()
    {
        bool OnlyBf16Fits(ScalarType d) => d != ScalarType.Float32;
        bool NothingFits(ScalarType d) => false;
        bool AllFits(ScalarType d) => true;
        Assert.Equal(ScalarType.BFloat16, DTypeName.Resolve("auto", DeviceType.CPU, WithoutBf16, OnlyBf16Fits));
        Assert.Equal(ScalarType.Float32, DTypeName.Resolve("auto", DeviceType.CPU, WithoutBf16, AllFits));
        // Nothing fits: fp32 stays, and the memory check names the problem.
        Assert.Equal(ScalarType.Float32, DTypeName.Resolve("auto", DeviceType.CPU, WithoutBf16, NothingFits));
        // An explicit dtype is the user's choice, fitting or not.
        Assert.Equal(ScalarType.Float32, DTypeName.Resolve("fp32", DeviceType.CPU, WithoutBf16, OnlyBf16Fits));
        Assert.Equal(ScalarType.BFloat16, DTypeName.Resolve("auto", DeviceType.CPU, WithBf16, NothingFits));
    }

    [Fact]
    public void AnUnknownNameIsRefusedWithTheChoices()
    {
        var error = Assert.Throws<ArgumentException>(() => DTypeName.Resolve("int8", DeviceType.CPU, WithBf16));
        Assert.Contains("auto, fp32, bf16 or fp16", error.Message);
    }

    [Fact]
    public void EngineOptionsDefaultToAutoAndResolveItForThisMachine()
    {
        var options = new EngineOptions();
        Assert.Equal(DTypeName.Auto, options.DType);
        Assert.Equal(CpuFeatures.Current.HasBf16 ? ScalarType.BFloat16 : ScalarType.Float32, options.TorchDType);
        Assert.Equal(ScalarType.Float32, EngineOptions.Cpu32.TorchDType);
    }
}
