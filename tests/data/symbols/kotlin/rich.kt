// Definitions a Kotlin outline must show.
package com.example.shapes

import kotlin.math.PI

const val VERSION = "1.0"
val registry = mutableMapOf<String, Shape>()

typealias Area = Double

interface Shape {
    fun area(): Area
    val name: String
}

abstract class Base(override val name: String) : Shape {
    constructor() : this("base")

    abstract override fun area(): Area

    open fun describe() = "$name: ${area()}"

    companion object Factory {
        fun circle(r: Double): Shape = Circle(r)
    }
}

data class Circle(val radius: Double) : Base("circle") {
    override fun area() = PI * radius * radius

    inner class Label {
        fun text() = "circle"
    }
}

enum class Color(val rgb: Int) {
    RED(0xFF0000),
    GREEN(0x00FF00);

    fun hex() = rgb.toString(16)
}

sealed class Result<out T> {
    data class Ok<T>(val value: T) : Result<T>()
    object Empty : Result<Nothing>()
}

object Registry {
    fun <T> register(item: T): T = item
}

fun String.shout(): String = uppercase()

fun main() {
    fun local() = 1
    println(local())
}
