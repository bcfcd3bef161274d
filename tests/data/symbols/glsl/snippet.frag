#version 330 core

// Simple Blinn-Phong fragment shader.
in vec3 vNormal;
in vec3 vWorldPos;
out vec4 fragColor;

uniform vec3 uLightPos;
uniform vec3 uCameraPos;
uniform vec3 uColor;

struct Material {
    float shininess;
    float ambient;
};

uniform Material uMaterial;

float specular(vec3 n, vec3 l, vec3 v) {
    vec3 h = normalize(l + v);
    return pow(max(dot(n, h), 0.0), uMaterial.shininess);
}

void main() {
    vec3 n = normalize(vNormal);
    vec3 l = normalize(uLightPos - vWorldPos);
    vec3 v = normalize(uCameraPos - vWorldPos);
    float diffuse = max(dot(n, l), 0.0);
    vec3 color = uColor * (uMaterial.ambient + diffuse) + vec3(specular(n, l, v));
    if (diffuse <= 0.0) {
        color *= 0.5;
    }
    fragColor = vec4(color, 1.0);
}
