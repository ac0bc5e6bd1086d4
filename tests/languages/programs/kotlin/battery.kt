import kotlin.system.exitProcess

fun main() {
    val t = System.`in`.bufferedReader().readText().split(Regex("\\s+")).filter { it.isNotEmpty() }.map { it.toLong() }
    val mode = t[0]
    val n = t[1].toInt()
    var sum = 0L
    for (i in 0 until n) sum += t[2 + i]
    if (mode == 2L) exitProcess(3)
    if (mode == 3L) { var k = 0L; while (true) k = (k + 1) % 1000 }
    println(sum + if (mode == 1L) 1 else 0)
}
