// Vertex and pixel shaders for a textured, lit mesh.
cbuffer PerFrame
{
    float4x4 gViewProj;
    float3 gLightDir;
    float gTime;
};

Texture2D gAlbedo : register(t0);
SamplerState gSampler : register(s0);

struct VSInput
{
    float3 position : POSITION;
    float3 normal : NORMAL;
    float2 uv : TEXCOORD0;
};

struct PSInput
{
    float4 position : SV_POSITION;
    float3 normal : NORMAL;
    float2 uv : TEXCOORD0;
};

PSInput VSMain(VSInput input)
{
    PSInput output;
    output.position = mul(float4(input.position, 1.0), gViewProj);
    output.normal = input.normal;
    output.uv = input.uv;
    return output;
}

float4 PSMain(PSInput input) : SV_TARGET
{
    float ndotl = saturate(dot(normalize(input.normal), -gLightDir));
    float4 albedo = gAlbedo.Sample(gSampler, input.uv);
    return float4(albedo.rgb * max(ndotl, 0.1), albedo.a);
}
