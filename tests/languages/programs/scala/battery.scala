object Battery {
  def main(args: Array[String]): Unit = {
    val t = scala.io.Source.stdin.mkString.split("\\s+").filter(_.nonEmpty).map(_.toLong)
    val mode = t(0)
    val n = t(1).toInt
    var sum = 0L
    for (i <- 0 until n) sum += t(2 + i)
    if (mode == 2) sys.exit(3)
    if (mode == 3) { var k = 0L; while (true) k = (k + 1) % 1000 }
    println(sum + (if (mode == 1) 1 else 0))
  }
}
