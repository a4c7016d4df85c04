using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Osprey.Engine.Layers;

/// <summary>
/// The paired layout the AVX-512 kernels read bfloat16 in: a bfloat16 is the upper half of a float32,
/// so a 64-byte load of 32 bfloat16 values becomes their 16 even elements as float32 by shifting the
/// low halves up (<see cref="Even"/>) and their 16 odd ones by masking the low halves off
/// (<see cref="Odd"/>). What meets them in float32 is kept per 32 elements as its 16 even elements,
/// then its 16 odd ones (<see cref="Pair"/>, and <see cref="AddUnpaired"/> back).
/// </summary>
internal static unsafe class PairedBFloat16
{
    /// <summary>bfloat16 values per load; a paired row's length is a multiple of it.</summary>
    public const int Width = 32;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Even(Vector512<uint> pairs) => Avx512F.ShiftLeftLogical(pairs, 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Odd(Vector512<uint> pairs) => Avx512F.And(pairs, Vector512.Create(0xFFFF0000u)).AsSingle();

    /// <summary>x [n] rearranged into <paramref name="paired"/>: per 32 elements, the 16 even ones, then the 16 odd ones.</summary>
    public static void Pair(float* x, float* paired, int n)
    {
        for (var k = 0; k < n; k += Width)
            for (var i = 0; i < Width / 2; i++)
            {
                paired[k + i] = x[k + 2 * i];
                paired[k + Width / 2 + i] = x[k + 2 * i + 1];
            }
    }

    /// <summary>o [n] += <paramref name="paired"/> put back in order: the inverse of <see cref="Pair"/>, added.</summary>
    public static void AddUnpaired(float* paired, float* o, int n)
    {
        for (var k = 0; k < n; k += Width)
            for (var i = 0; i < Width / 2; i++)
            {
                o[k + 2 * i] += paired[k + i];
                o[k + 2 * i + 1] += paired[k + Width / 2 + i];
            }
    }
}
