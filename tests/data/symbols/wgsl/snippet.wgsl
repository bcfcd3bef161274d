// Full-screen gradient with a time-based tint.
struct Uniforms {
    resolution: vec2<f32>,
    time: f32,
};

@group(0) @binding(0) var<uniform> u: Uniforms;

override intensity: f32 = 1.0;

struct VertexOut {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
};

@vertex
fn vs_main(@builtin(vertex_index) index: u32) -> VertexOut {
    var positions = array<vec2<f32>, 3>(
        vec2<f32>(-1.0, -1.0),
        vec2<f32>(3.0, -1.0),
        vec2<f32>(-1.0, 3.0),
    );
    var out: VertexOut;
    out.position = vec4<f32>(positions[index], 0.0, 1.0);
    out.uv = positions[index] * 0.5 + vec2<f32>(0.5);
    return out;
}

@fragment
fn fs_main(in: VertexOut) -> @location(0) vec4<f32> {
    let tint = (0.5 + 0.5 * sin(u.time * 3.14159265)) * intensity;
    if (in.uv.x > 0.99) {
        discard;
    }
    return vec4<f32>(in.uv, tint, 1.0);
}
