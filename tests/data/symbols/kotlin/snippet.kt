package com.example.weather

import kotlin.math.roundToInt

enum class Unit { CELSIUS, FAHRENHEIT }

data class Reading(val city: String, val celsius: Double)

interface Formatter {
    fun format(reading: Reading): String
}

class TemperatureFormatter(private val unit: Unit) : Formatter {
    override fun format(reading: Reading): String {
        val value = when (unit) {
            Unit.CELSIUS -> reading.celsius
            Unit.FAHRENHEIT -> reading.celsius * 9 / 5 + 32
        }
        return "${reading.city}: ${value.roundToInt()}°"
    }
}

fun main() {
    val readings = listOf(Reading("Oslo", -3.5), Reading("Lima", 21.0))
    val fmt = TemperatureFormatter(Unit.FAHRENHEIT)
    readings.filter { it.celsius > -10 }.forEach { println(fmt.format(it)) }
}
