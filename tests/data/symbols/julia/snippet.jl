module Geometry

using LinearAlgebra
import Base: show

export Point, distance

"""
    Point(x, y)

A point in the plane.
"""
struct Point{T<:Real}
    x::T
    y::T
end

distance(a::Point, b::Point) = norm([a.x - b.x, a.y - b.y])

function perimeter(points::Vector{<:Point})
    total = 0.0
    for i in eachindex(points)
        j = i == length(points) ? 1 : i + 1
        total += distance(points[i], points[j])
    end
    return total
end

show(io::IO, p::Point) = print(io, "Point($(p.x), $(p.y))")

end # module
