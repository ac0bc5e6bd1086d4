<?php
echo "x"
echo "y";
