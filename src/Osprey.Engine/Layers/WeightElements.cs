using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Osprey.Engine.Layers;

/// <summary>
/// How <see cref="RowStreamingProduct"/> reads a weight's elements as float32: a type parameter, so the
/// JIT compiles one kernel per element type with the load inlined.
/// </summary>
internal unsafe interface IWeightElements
{
    /// <summary>Bytes per element.</summary>
    static abstract int Size { get; }

    /// <summary>Elements k..k+7 of <paramref name="row"/> as float32.</summary>
    static abstract Vector256<float> Load(byte* row, long k);

    /// <summary>Element k of <paramref name="row"/> as float32.</summary>
    static abstract float At(byte* row, long k);
}

internal readonly unsafe struct Float32Elements : IWeightElements
{
    public static int Size => sizeof(float);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(byte* row, long k) => Avx.LoadVector256((float*)row + k);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float At(byte* row, long k) => ((float*)row)[k];
}

/// <summary>bfloat16 is the upper half of a float32: widening is a zero-extend and a 16-bit shift, exact.</summary>
internal readonly unsafe struct BFloat16Elements : IWeightElements
{
    public static int Size => sizeof(ushort);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(byte* row, long k) =>
        Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(Sse2.LoadVector128((ushort*)row + k)), 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float At(byte* row, long k) => BitConverter.Int32BitsToSingle(((ushort*)row)[k] << 16);
}
