% Fit a polynomial to noisy samples and plot the result.
x = linspace(0, 2*pi, 50);
y = sin(x) + 0.1 * randn(size(x));
degree = 3;

coeffs = polyfit(x, y, degree);
fitted = polyval(coeffs, x);

if norm(y - fitted) > 1
    warning('fit:poor', 'Residual is large');
end

for k = 1:numel(coeffs)
    fprintf('c%d = %.4f\n', k, coeffs(k));
end

function r = rmse(a, b)
    % Root mean square error between two vectors.
    r = sqrt(mean((a - b).^2));
end
